import { LAST_RESORT_LANGUAGE, type Language } from './locale';
import { translate, type MessageKey, type Params } from './messages';

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
}
