// The case history's `action` is the event(s) a change announced ("case.assigned"), or
// created/updated; people read these words instead.
const ACTIONS: Record<string, string> = {
  'case.registered': '登记案件',
  'case.assigned': '分配承办人',
  'case.status_changed': '变更案件状态',
  'case.non_prosecution_decided': '作出不起诉决定',
  'case.referral_recorded': '记录反向衔接移送',
  'case.referral_due_moved': '移送期限调整',
  'case.referral_overdue': '移送逾期',
  'case.evaluated': '案件评查',
  'case.key_evaluation_flagged': '列入重点评查',
}
const SUBJECTS: Record<string, string> = { case: '案件', suspect: '犯罪嫌疑人' }

export function actionLabel(action: string, subject?: string): string {
  const words = action.split(',').map((part) => ACTIONS[part.trim()]).filter(Boolean)
  if (words.length) return words.join('；')
  const what = SUBJECTS[subject ?? ''] ?? '记录'
  if (action === 'created') return `新增${what}`
  return `更新${what}信息`
}
