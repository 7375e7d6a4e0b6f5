//! App icons from the server, made safe to show: an SVG is rasterised to
//! a PNG (a picture cannot run a script, load a page or read a file), a
//! PNG is passed on once its signature checks, anything else is refused.
//! An SVG holding a script or event handler is refused outright with a
//! message: it was made to attack, not to be drawn.

use resvg::{tiny_skia, usvg};

/// Largest icon read.
pub const MAX_ICON_BYTES: usize = 256 * 1024;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The icon as a PNG of `size`×`size` pixels (a PNG is kept as it is);
/// why not, for an icon that is not a picture or carries a script.
pub fn to_png(bytes: &[u8], size: u32) -> Result<Vec<u8>, String> {
    if bytes.len() > MAX_ICON_BYTES {
        return Err(format!("the icon is larger than {MAX_ICON_BYTES} bytes"));
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        return Ok(bytes.to_vec());
    }
    let text = std::str::from_utf8(bytes).map_err(|_| "the icon is neither SVG nor PNG")?;
    if !text.contains("<svg") {
        return Err("the icon is neither SVG nor PNG".to_owned());
    }
    if let Some(what) = active_content(text) {
        return Err(format!("the icon holds {what}; refused"));
    }
    let options = usvg::Options {
        // No file or network is read for an <image> inside the icon.
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(text, &options)
        .map_err(|e| format!("the icon is not a valid SVG: {e}"))?;
    let mut pixmap =
        tiny_skia::Pixmap::new(size, size).ok_or_else(|| format!("bad icon size {size}"))?;
    let view = tree.size();
    let scale = (size as f32 / view.width()).min(size as f32 / view.height());
    let dx = (size as f32 - view.width() * scale) / 2.0;
    let dy = (size as f32 - view.height() * scale) / 2.0;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_row(scale, 0.0, 0.0, scale, dx, dy),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| format!("cannot encode the icon: {e}"))
}

/// What active content an SVG holds: a script, an event handler, a
/// `javascript:` link or embedded HTML.
fn active_content(svg: &str) -> Option<&'static str> {
    let lower = svg.to_ascii_lowercase();
    if lower.contains("<script") {
        return Some("a script");
    }
    if lower.contains("javascript:") {
        return Some("a javascript: link");
    }
    if lower.contains("<foreignobject") {
        return Some("embedded HTML");
    }
    // on…= attributes: onload, onclick, onmouseover, …
    let b = lower.as_bytes();
    for (i, _) in lower.match_indices("on") {
        let before_ok = i > 0 && (b[i - 1].is_ascii_whitespace() || b[i - 1] == b'/');
        if !before_ok {
            continue;
        }
        let rest = &b[i + 2..];
        let name_len = rest.iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let after = &rest[name_len..];
        let after = after.iter().skip_while(|c| c.is_ascii_whitespace());
        if name_len > 0 && after.clone().next() == Some(&b'=') {
            return Some("an event handler");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" height="32" width="32" viewBox="0 0 32 32"><path fill="#fff" d="M4 4h24v24H4z"/></svg>"##;

    #[test]
    fn an_svg_becomes_a_png_of_the_asked_size() {
        let png = to_png(ICON.as_bytes(), 48).unwrap();
        assert!(png.starts_with(PNG_SIGNATURE));
        let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!((pixmap.width(), pixmap.height()), (48, 48));
        // The white square is drawn: the centre pixel is opaque white.
        let p = pixmap.pixel(24, 24).unwrap();
        assert_eq!((p.red(), p.alpha()), (255, 255));
        // Outside it (the 4-unit margin) stays transparent.
        assert_eq!(pixmap.pixel(1, 1).unwrap().alpha(), 0);
    }

    #[test]
    fn scripts_and_handlers_are_refused() {
        for (svg, what) in [
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
                "a script",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>"#,
                "an event handler",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><rect/></a></svg>"#,
                "a javascript: link",
            ),
            (
                r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><body/></foreignObject></svg>"#,
                "embedded HTML",
            ),
        ] {
            let err = to_png(svg.as_bytes(), 32).unwrap_err();
            assert!(err.contains(what), "{err}");
        }
        // A word that merely starts with "on" is no handler.
        let fine = r#"<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><g id="x" opacity="1"><rect width="8" height="8"/></g></svg>"#;
        assert!(to_png(fine.as_bytes(), 16).is_ok());
    }

    #[test]
    fn other_files_are_refused() {
        assert!(to_png(b"<html><body>hi</body></html>", 32).is_err());
        assert!(to_png(&[0xff, 0xd8, 0xff, 0xe0], 32).is_err());
        assert!(to_png(&vec![b' '; MAX_ICON_BYTES + 1], 32).is_err());
        assert!(to_png(b"<svg", 32).unwrap_err().contains("not a valid SVG"));
        let png = to_png(ICON.as_bytes(), 16).unwrap();
        assert_eq!(to_png(&png, 32).unwrap(), png, "a PNG is kept");
    }
}
