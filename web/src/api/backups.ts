// Backups (administrators): the list in DATA/backups, run one now, download, and the
// daily schedule with its retention. See docs/api.md "Backups".
import { apiUrl, http } from './http'

export interface BackupItem {
  name: string
  size: number
  sha256: string | null
  created_at: string | null
  backend?: string
  schema_version?: number
  kind: 'auto' | 'manual'
  duration_ms?: number
}

export interface BackupList {
  data: BackupItem[]
  running: boolean
  last_error: string | null
  last_finished_at: string | null
  folder?: string
}

export interface BackupSettings {
  enabled: boolean
  /** "HH:MM", company time */
  time: string
  keep_daily: number
  keep_weekly: number
}

export function fetchBackups(): Promise<BackupList> {
  return http.get<BackupList>('/backups')
}

export function runBackup(): Promise<{ running: boolean }> {
  return http.post<{ running: boolean }>('/backups')
}

export function backupDownloadUrl(name: string): string {
  return apiUrl(`/backups/${encodeURIComponent(name)}/download`)
}

export function fetchBackupSettings(): Promise<BackupSettings> {
  return http.get<BackupSettings>('/settings/backup')
}

export function saveBackupSettings(settings: BackupSettings): Promise<BackupSettings> {
  return http.put<BackupSettings>('/settings/backup', settings)
}
