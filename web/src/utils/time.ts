// Times are stored in UTC and shown in the user's time zone (DESIGN.md), which is
// Asia/Shanghai until users can choose one. Pickers work with "wall time" strings
// ("2026-11-29 13:30:00" in that zone); these helpers convert both ways.

export const TIME_ZONE = 'Asia/Shanghai'

interface WallParts {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>()

function partsFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone)
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    partsFormatters.set(timeZone, formatter)
  }
  return formatter
}

function wallParts(epochMs: number, timeZone: string): WallParts {
  const parts: Record<string, number> = {}
  for (const part of partsFormatter(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  }
}

const pad = (value: number, width = 2) => String(value).padStart(width, '0')

/** Milliseconds the zone is ahead of UTC at that moment. */
function zoneOffsetMs(epochMs: number, timeZone: string): number {
  const p = wallParts(epochMs, timeZone)
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second)
  return asUtc - (epochMs - (epochMs % 1000))
}

function parseIso(value: unknown): number | null {
  if (typeof value !== 'string' || value === '') return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}

/** "2026-11-29T05:30:00.000Z" → "2026-11-29 13:30:00" (wall time in the zone). */
export function isoToWall(iso: unknown, timeZone = TIME_ZONE): string | null {
  const ms = parseIso(iso)
  if (ms === null) return null
  const p = wallParts(ms, timeZone)
  return `${p.year}-${pad(p.month)}-${pad(p.day)} ${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`
}

/** "2026-11-29 13:30:00" (or "2026-11-29") in the zone → ISO 8601 UTC. */
export function wallToIso(wall: string, timeZone = TIME_ZONE): string | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(wall.trim())
  if (!match) return null
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number, number, number, number, number, number,
  ]
  const guess = Date.UTC(year, month - 1, day, hour, minute, second)
  let ms = guess - zoneOffsetMs(guess, timeZone)
  // Around a daylight-saving change the offset at the result may differ from the guess's.
  const corrected = guess - zoneOffsetMs(ms, timeZone)
  if (corrected !== ms) ms = corrected
  return new Date(ms).toISOString()
}

/** Shown form of a moment: "2026-11-29 13:30". */
export function formatDateTime(iso: unknown, timeZone = TIME_ZONE): string {
  const wall = isoToWall(iso, timeZone)
  return wall ? wall.slice(0, 16) : ''
}

/** Today's date in the zone, "YYYY-MM-DD". */
export function todayInZone(timeZone = TIME_ZONE): string {
  return (isoToWall(new Date().toISOString(), timeZone) ?? '').slice(0, 10)
}

/** The date after "YYYY-MM-DD". */
export function nextDay(date: string): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const next = new Date(Date.UTC(year, month - 1, day + 1))
  return next.toISOString().slice(0, 10)
}

/** The current moment as a wall-time string, for a picker's default. */
export function nowWall(timeZone = TIME_ZONE): string {
  return isoToWall(new Date().toISOString(), timeZone) ?? ''
}
