// The console's navigation: each entry is shown to the roles the API lets do something there
// (an empty list: every role). Later pages add their entry here.
export interface NavEntry {
  name: string
  label: string
  roles: string[]
}

export const NAV: NavEntry[] = [
  { name: 'workbench', label: '工作台', roles: [] },
  { name: 'cases', label: '案件管理', roles: [] },
]

export const CAN_REGISTER_CASE = ['prosecutor', 'department_head', 'case_manager', 'chief_procurator', 'admin']
export const CAN_ASSIGN_CASE = CAN_REGISTER_CASE

export function navFor(roles: string[]): NavEntry[] {
  return NAV.filter((entry) => entry.roles.length === 0 || entry.roles.some((role) => roles.includes(role)))
}
