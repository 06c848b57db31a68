"""Slack's Block Kit limits, and how much of an answer we choose to show."""

from __future__ import annotations

# Slack's limits (https://api.slack.com/reference/block-kit), counted in characters (code
# points, as slack_sdk counts them). No builder uses section fields, and no actions block has
# more than three buttons, so those limits (10 fields of 2,000, 25 elements) hold by design.
MAX_BLOCKS = 50
MAX_HEADER_TEXT = 150
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_ELEMENTS = 10
MAX_CONTEXT_TEXT = 2000  # below the 3,000 of a text object, to keep footers short
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTION_ID = 255
# A confirmation dialog on a button: its title, text, and the labels of its two buttons.
MAX_CONFIRM_TITLE = 100
MAX_CONFIRM_TEXT = 300
MAX_CONFIRM_BUTTON = 30
# Slack truncates a message's `text` past 40,000 characters; notifications need far less.
MAX_FALLBACK_TEXT = 3000

# Our own display choices, all well inside the limits above.
TOP_SERVICES_SHOWN = 5
TOP_RESOURCES_SHOWN = 5
TOP_ROWS_SHOWN = 20
DETAILED_CURRENCIES = 3  # currencies beyond these get one line each in "Other currencies"
OTHER_CURRENCY_LINES = 20
NAME_CHARS = 80  # a name in a list, after escaping
SHORT_CHARS = 40  # a dimension, period label, tag key or currency code, after escaping
TAG_KEYS_SHOWN = 10
FALLBACK_NAME_CHARS = 200
