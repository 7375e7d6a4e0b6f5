import { LAST_RESORT_LANGUAGE, type Language } from './locale';
import { translate, type MessageKey, type Params } from './messages';

/** Keys that come in a pair `X.one` / `X.other`: the `X` of each. */
export type PluralKey = {
  [K in MessageKey]: K extends `${infer Base}.one`
    ? `${Base}.other` extends MessageKey
      ? Base
      : never
    : never;
}[MessageKey];

/**
 * The current language, as reactive state. One instance per app, shared with
 * the components through context (see ../context.ts); reading `t(...)` in a
 * template re-renders it when `language` changes.
 */
export class I18n {
  language: Language = $state(LAST_RESORT_LANGUAGE);

  constructor(language: Language = LAST_RESORT_LANGUAGE) {
    this.language = language;
  }

  t = (key: MessageKey, params?: Params): string => translate(this.language, key, params);

  /**
   * A message that depends on a number: `X.one` for one (in the language's
   * own rule), `X.other` for anything else. `{count}` is the number, formatted.
   */
  plural = (key: PluralKey, count: number, params?: Params): string => {
    const form = new Intl.PluralRules(this.language).select(count) === 'one' ? 'one' : 'other';
    return translate(this.language, `${key}.${form}`, {
      count: new Intl.NumberFormat(this.language).format(count),
      ...params,
    });
  };
}
