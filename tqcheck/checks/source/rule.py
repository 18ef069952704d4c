"""What every source-check finding shares: the rule-id prefix (``source.<Rule>``)."""

RULE_PREFIX = "source"
