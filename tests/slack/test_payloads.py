"""Reading message text out of Slack payloads."""

from __future__ import annotations

from bot.slack.payloads import mentions, message_text, plain_text, without_mention


def test_plain_text_unescapes_and_defuses_mentions_and_links() -> None:
    raw = "<!channel> <@U123> <#C1|ops> &lt;nil&gt; &amp; <https://gw/x|gw/x> ```code```"
    out = plain_text(raw)
    assert "@channel" in out and "@U123" in out and "#ops" in out
    assert "<nil> &" in out and "https://gw/x" in out and "```" not in out
    assert "<!" not in out and "<@" not in out


def test_message_text_reads_attachments_fields_and_blocks() -> None:
    alert = {
        "text": "",
        "attachments": [
            {
                "title": "Gateway alert",
                "text": "Key not authorised",
                "fields": [{"title": "status", "value": "403"}],
            }
        ],
    }
    out = message_text(alert)
    assert "Key not authorised" in out and "status: 403" in out
    blocks_only = {
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Quota exceeded"}}]
    }
    assert message_text(blocks_only) == "Quota exceeded"


def test_mentions_and_without_mention() -> None:
    assert mentions("hey <@UBOT> look", "UBOT")
    assert not mentions("hey <@UOTHER>", "UBOT")
    assert not mentions("hey", None)
    assert without_mention("<@UBOT> Key not authorised", "UBOT") == "Key not authorised"
