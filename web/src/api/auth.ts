// Session endpoints: login, logout and "who am I".

import { http } from './http'
import type { SessionInfo } from './types'

export interface Credentials {
  username: string
  password: string
}

export function login(credentials: Credentials): Promise<SessionInfo> {
  return http.post<SessionInfo>('/auth/login', credentials, { ignoreUnauthorized: true })
}

export function logout(): Promise<void> {
  return http.post<void>('/auth/logout', undefined, { ignoreUnauthorized: true })
}

/** The current session; rejects with ApiError status 401 when not logged in. */
export function fetchMe(): Promise<SessionInfo> {
  return http.get<SessionInfo>('/me', { ignoreUnauthorized: true })
}
