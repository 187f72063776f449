// In-app notifications (docs/api.md "Jobs and notifications"): the newest 50 and the unread count.

import { http } from './http'

export interface Notification {
  id: number
  /** pool_recycled, pool_reminder, … */
  kind: string
  title: string
  body: string | null
  entity: string | null
  record_id: number | null
  created_at: string
  read_at: string | null
}

export interface NotificationList {
  data: Notification[]
  unread: number
}

export function listNotifications(unreadOnly = false): Promise<NotificationList> {
  return http.get<NotificationList>('/notifications', { query: { unread: unreadOnly ? 'true' : undefined } })
}

export function markNotificationRead(id: number): Promise<void> {
  return http.post<void>(`/notifications/${id}/read`)
}

export function markAllNotificationsRead(): Promise<void> {
  return http.post<void>('/notifications/all/read')
}
