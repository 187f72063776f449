// The one vue-i18n instance, the current locale (remembered in localStorage and
// mirrored to <html lang>), and label() for texts that come from the server.

import { computed } from 'vue'
import { createI18n } from 'vue-i18n'
import type { Labelled, Locale, LocalizedText } from '@/api/types'
import zhCN, { type MessageSchema } from './zh-CN'
import en from './en'

export type { Locale }

export const LOCALES: readonly Locale[] = ['zh-CN', 'en']
export const DEFAULT_LOCALE: Locale = 'zh-CN'
const STORAGE_KEY = 'rapport.locale'

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value)
}

function readStoredLocale(): Locale {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY)
    return isLocale(stored) ? stored : DEFAULT_LOCALE
  } catch {
    return DEFAULT_LOCALE
  }
}

export const i18n = createI18n<[MessageSchema], Locale, false>({
  legacy: false,
  locale: readStoredLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages: { 'zh-CN': zhCN, en },
})

/** The current locale, reactive. */
export const currentLocale = computed<Locale>(() => i18n.global.locale.value)

/** Switches the UI language, remembers it and updates <html lang>. */
export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    window.localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    // Private mode or storage disabled: the choice lasts until reload.
  }
}

/** Picks a server-given text in the current locale, falling back to the other one. */
export function localized(text: LocalizedText | undefined, fallback = ''): string {
  if (!text) return fallback
  const locale = currentLocale.value
  return text[locale] ?? text[DEFAULT_LOCALE] ?? text.en ?? fallback
}

/** The label of an entity, field or option from GET /api/meta, in the current locale. */
export function label(obj: Labelled): string {
  return localized(obj.label, obj.name ?? '')
}

document.documentElement.lang = currentLocale.value
