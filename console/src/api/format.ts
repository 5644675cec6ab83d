// How the console shows numbers and times: money in 元 with two decimals from integer fen, every
// instant in Asia/Shanghai (the procuratorate's time), calendar dates as the API gives them.

export const TIME_ZONE = 'Asia/Shanghai'

/** 123456 fen -> "1,234.56 元"; exact for any safe integer (no floating point on the way). */
export function formatFen(fen: number | null | undefined): string {
  if (fen === null || fen === undefined || !Number.isFinite(fen)) return '—'
  const negative = fen < 0
  const whole = Math.trunc(Math.abs(fen))
  const yuan = Math.floor(whole / 100)
  const cents = String(whole % 100).padStart(2, '0')
  const grouped = String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${negative ? '-' : ''}${grouped}.${cents} 元`
}

const parts = new Intl.DateTimeFormat('zh-CN', {
  timeZone: TIME_ZONE, year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
})

function pick(date: Date): Record<string, string> {
  const out: Record<string, string> = {}
  for (const part of parts.formatToParts(date)) out[part.type] = part.value
  return out
}

/** An instant ("2026-03-01T16:30:00Z") as Beijing time: "2026-03-02 00:30". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return '—'
  const p = pick(date)
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`
}

/** A calendar date ("2026-03-01") stays that date; an instant becomes its Beijing date. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '—'
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return '—'
  const p = pick(date)
  return `${p.year}-${p.month}-${p.day}`
}
