// Words for what the server said: validation codes and error codes in the UI language
// (the server's own messages are English only).

import { useI18n } from 'vue-i18n'
import { ApiError } from '@/api/http'

export function useApiErrors() {
  const { t, te } = useI18n()

  /** A 422 field code (required, invalid_email, …) in the UI language. */
  function fieldError(code: string): string {
    return te(`validation.${code}`) ? t(`validation.${code}`) : t('validation.unknown', { code })
  }

  /** A one-line description of any failure, for a message toast. */
  function describe(error: unknown): string {
    if (error instanceof ApiError) {
      if (error.status === 0) return t('common.networkError')
      if (te(`errors.${error.code}`)) return t(`errors.${error.code}`, { message: error.message })
      return error.message || error.code
    }
    return error instanceof Error ? error.message : String(error)
  }

  return { fieldError, describe }
}
