import { describe, expect, it } from 'vitest'
import { formatDate, formatDateTime, formatFen } from '../src/api/format'
import { actionLabel } from '../src/views/history'
import { navFor } from '../src/nav'
import { safeRedirect } from '../src/router'

describe('money', () => {
  it.each([
    [0, '0.00 元'], [5, '0.05 元'], [100, '1.00 元'], [123456, '1,234.56 元'],
    [100000000, '1,000,000.00 元'], [-250, '-2.50 元'], [9007199254740991, '90,071,992,547,409.91 元'],
  ])('%i fen is %s', (fen, shown) => {
    expect(formatFen(fen)).toBe(shown)
  })

  it('shows a dash for no amount', () => {
    expect(formatFen(null)).toBe('—')
    expect(formatFen(undefined)).toBe('—')
  })
})

describe('dates', () => {
  it('show instants in Asia/Shanghai', () => {
    expect(formatDateTime('2026-03-01T16:30:00Z')).toBe('2026-03-02 00:30')
    expect(formatDateTime('2026-12-31T15:59:59.999+00:00')).toBe('2026-12-31 23:59')
  })

  it('keep calendar dates as they are, and turn an instant into its Beijing date', () => {
    expect(formatDate('2026-03-01')).toBe('2026-03-01')
    expect(formatDate('2026-03-01T17:00:00Z')).toBe('2026-03-02')
  })

  it('show a dash for nothing or nonsense', () => {
    expect(formatDateTime(null)).toBe('—')
    expect(formatDateTime('not a date')).toBe('—')
    expect(formatDate('')).toBe('—')
  })
})

describe('words instead of codes', () => {
  it('name history actions in zh-CN', () => {
    expect(actionLabel('case.registered')).toBe('登记案件')
    expect(actionLabel('case.assigned,case.status_changed')).toBe('分配承办人；变更案件状态')
    expect(actionLabel('created', 'suspect')).toBe('新增犯罪嫌疑人')
    expect(actionLabel('something.new', 'case')).toBe('更新案件信息')
  })
})

describe('navigation and redirects', () => {
  it('shows every role the workbench and the cases', () => {
    expect(navFor(['inspector']).map((entry) => entry.name)).toEqual(['workbench', 'cases'])
  })

  it('returns after a login only to a page of the console', () => {
    expect(safeRedirect('/cases/abc?x=1')).toBe('/cases/abc?x=1')
    expect(safeRedirect('//evil.example/')).toBe('/workbench')
    expect(safeRedirect('https://evil.example/')).toBe('/workbench')
    expect(safeRedirect('/login?redirect=/x')).toBe('/workbench')
    expect(safeRedirect(undefined)).toBe('/workbench')
  })
})
