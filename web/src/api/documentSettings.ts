// What printed documents and attachments take from the administrator: the company header of
// quotes (GET/PUT /api/settings/company) and the upload limit (GET/PUT /api/settings/attachments).
// docs/api.md, "The printed quote and the company header" and "Attachments".

import { http } from './http'

export interface CompanySettings {
  name: string
  name_en: string
  address: string
  address_en: string
  phone: string
  tax_number: string
}

export interface AttachmentSettings {
  max_size_mb: number
}

export const COMPANY_FIELDS = ['name', 'name_en', 'address', 'address_en', 'phone', 'tax_number'] as const

export function fetchCompanySettings(): Promise<CompanySettings> {
  return http.get<CompanySettings>('/settings/company')
}

export function saveCompanySettings(settings: Partial<CompanySettings>): Promise<CompanySettings> {
  return http.put<CompanySettings>('/settings/company', settings)
}

export function fetchAttachmentLimit(): Promise<AttachmentSettings> {
  return http.get<AttachmentSettings>('/settings/attachments')
}

export function saveAttachmentLimit(settings: AttachmentSettings): Promise<AttachmentSettings> {
  return http.put<AttachmentSettings>('/settings/attachments', settings)
}
