"""The working-day calendar: where a year's schedule comes from."""
from contracts.enums.registry import register

CALENDAR_SOURCES = register("calendar_sources", {
    "loaded": "管理员录入",
    "library": "工作日库（chinesecalendar）",
    "none": "未收录（仅周末休息，期限暂定）",
}, title="工作日历来源")
