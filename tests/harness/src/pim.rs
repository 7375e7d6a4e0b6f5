//! What a calendar or address book holds on the server, read the way a
//! test checks a sync's outcome: every item's text (listing, then one
//! multiget).

use cc_dav::DavClient;
use cc_dav::pim::Service;
use url::Url;

/// The text of every item of `collection`, in the server's order.
pub async fn items_on_server(
    client: &DavClient,
    collection: &Url,
    service: Service,
) -> Vec<String> {
    let urls: Vec<Url> = client
        .list_items(collection)
        .await
        .unwrap_or_else(|e| panic!("listing {collection}: {e}"))
        .into_iter()
        .map(|r| r.url)
        .collect();
    if urls.is_empty() {
        return Vec::new();
    }
    client
        .multiget(collection, service, &urls, 100)
        .await
        .unwrap_or_else(|e| panic!("multiget {collection}: {e}"))
        .0
        .into_iter()
        .map(|i| i.data)
        .collect()
}
