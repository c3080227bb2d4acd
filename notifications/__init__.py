"""Notifications: routing, templates, apprise delivery, calendar invites and the daily digest.

Never imports prefect or flows/ (docs/architecture.md, the layers). Import the modules
themselves (``notifications.delivery``...): this package imports nothing, so a command that
only reads the store never loads apprise.
"""
