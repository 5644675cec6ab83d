"""The notifications service (动态提醒): turns events into messages for people."""
