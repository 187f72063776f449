// The SMTP server (admins), a test mail and the outbox (docs/api.md "Mail and action links").

import { http } from './http'

export type MailSecurity = 'none' | 'starttls' | 'tls'

export interface MailSettings {
  host: string
  port: number
  security: MailSecurity
  username: string
  has_password: boolean
  from: string
  base_url: string
}

export interface OutboxMail {
  id: number
  to: string
  subject: string
  status: 'queued' | 'sent' | 'failed'
  attempts: number
  next_attempt_at: string
  last_error: string | null
  created_at: string
  sent_at: string | null
}

export const fetchMailSettings = () => http.get<MailSettings>('/settings/mail')
export const saveMailSettings = (body: Partial<MailSettings> & { password?: string }) => http.put<MailSettings>('/settings/mail', body)
export const sendTestMail = (to: string) => http.post<{ queued: boolean }>('/settings/mail/test', { to })
export const fetchOutbox = () => http.get<{ data: OutboxMail[] }>('/mail/outbox')
