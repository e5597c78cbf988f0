"""The App Home tab, `/tykerror stats` and the weekly digest: pure functions from the learning
use cases' results to Block Kit (home views hold at most 100 blocks)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.catalog import Entry
from bot.service import EntryFeedback, Gap, ProposalView
from bot.slack.blocks import (
    COMMAND,
    Block,
    Message,
    button,
    cap,
    clip,
    clip_escaped,
    context,
    escape,
    message,
    section,
)

MAX_HOME_BLOCKS = 100
MAX_QUEUE = 8
MAX_GAPS = 5
MAX_LINES = 10

# Action ids (bot/slack/listeners/home.py matches them).
APPROVE = "tyk_home_approve"
REJECT = "tyk_home_reject"
GAP_ENTRY = "tyk_gap_entry"
GAP_ALIAS = "tyk_gap_alias"  # a select of entries; the phrase travels in the block id
GAP_NOISE = "tyk_gap_noise"


@dataclass(frozen=True)
class AdminHome:
    """What only admins see on the Home tab."""

    proposals: Sequence[ProposalView] = ()
    gaps: Sequence[Gap] = ()
    weak: Sequence[EntryFeedback] = ()
    helpfulness: Sequence[EntryFeedback] = ()


@dataclass(frozen=True)
class Home:
    """Everything the Home tab shows one person."""

    top_errors: Sequence[tuple[Entry, int]] = ()
    admin: AdminHome | None = None
    notes: Sequence[str] = field(default_factory=tuple)


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, 150)}}


def _title(entry: Entry) -> str:
    return f"*{entry.code} {escape(entry.message)}*"


def how_to_blocks() -> list[Block]:
    """How to use tykbot, for everyone."""
    return [
        _header("tykbot explains Tyk Gateway errors"),
        section(
            f"• `{COMMAND} <paste>`: paste an error body, a curl transcript or a gateway log "
            "line; the answer is private until you share it.\n"
            f"• `{COMMAND} 403` lists a status code's errors; `{COMMAND} search <words>` "
            "searches them.\n"
            "• In a thread, mention @tykbot or use *Explain this error* on a message.\n"
            "• *Helped* and *Wrong error?* on an answer teach tykbot: phrasings people confirm "
            "are proposed to the admins."
        ),
    ]


def top_errors_blocks(top: Sequence[tuple[Entry, int]], heading: str) -> list[Block]:
    """This week's most answered errors."""
    if not top:
        return [section(f"*{heading}*\nNothing asked yet this week.")]
    lines = [f"• {_title(e)} — {n}×" for e, n in top[:MAX_LINES]]
    return [section(f"*{heading}*\n" + "\n".join(lines))]


def proposal_blocks(proposals: Sequence[ProposalView]) -> list[Block]:
    """The review queue: each phrasing with Approve and Reject."""
    out: list[Block] = [_header(f"Review queue ({len(proposals)})")]
    if not proposals:
        return [*out, context("No learned phrasings waiting.")]
    for p in proposals[:MAX_QUEUE]:
        fix = f" instead of `{escape(p.corrected_entry_id)}`" if p.corrected_entry_id else ""
        text = (
            f"“{clip_escaped(p.text, 300)}”\n→ *{clip_escaped(p.entry, 200)}*{fix}\n"
            f"_confirmed by {p.confirmers} {'person' if p.confirmers == 1 else 'people'}_"
        )
        if p.collision:
            text += f"\n:warning: {clip_escaped(p.collision, 300)}"
        out.append(section(text))
        out.append(
            {
                "type": "actions",
                "block_id": f"tyk_review:{p.id}",
                "elements": [
                    button("Approve", APPROVE, {"p": p.id}, style="primary"),
                    button("Reject", REJECT, {"p": p.id}, style="danger"),
                ],
            }
        )
    if len(proposals) > MAX_QUEUE:
        out.append(context(f"…and {len(proposals) - MAX_QUEUE} more: `tykbot review list`."))
    return out


def gap_blocks(gaps: Sequence[Gap]) -> list[Block]:
    """Unknown errors: each group with New entry, Alias of…, Noise."""
    out: list[Block] = [_header("Unknown errors")]
    if not gaps:
        return [*out, context("Every recent paste found a confident match.")]
    for n, g in enumerate(gaps[:MAX_GAPS]):
        channels = ", ".join(f"<#{escape(c)}>" for c in g.channels[:3]) or "the terminal"
        out.append(
            section(
                f"*{g.count}×* `{clip_escaped(g.example, 300)}`\n"
                f"_first {g.first_seen:%b %d}, last {g.last_seen:%b %d}, in {channels}_"
            )
        )
        key = g.key[:300]
        elements: list[Block] = [
            button("New entry", GAP_ENTRY, {"x": g.example[:300], "p": g.phrase or ""}),
        ]
        if g.phrase and g.suggestions:
            elements.append(
                {
                    "type": "static_select",
                    "action_id": GAP_ALIAS,
                    "placeholder": {"type": "plain_text", "text": "Alias of…"},
                    "options": [
                        {
                            "text": {
                                "type": "plain_text",
                                "text": clip(f"{e.code} {e.message}", 75),
                            },
                            "value": e.id,
                        }
                        for e in g.suggestions[:5]
                    ],
                }
            )
        elements.append(button("Noise", GAP_NOISE, {"k": key}))
        block_id = f"tyk_gap:{n}:{g.phrase or ''}"[:255]
        out.append({"type": "actions", "block_id": block_id, "elements": elements})
    return out


def feedback_lines(rows: Sequence[EntryFeedback], heading: str, reasons: bool) -> list[Block]:
    """A list of entries with their votes (and reasons)."""
    if not rows:
        return [section(f"*{heading}*\nNo votes yet.")]
    lines = []
    for f in rows[:MAX_LINES]:
        line = (
            f"• {_title(f.entry)} — {f.helped} helped, {f.wrong} wrong"
            f" ({f.wrong_rate:.0%} wrong), prior ×{f.prior:.3f}"
        )
        if reasons and f.reasons:
            line += "\n    " + "; ".join(f"“{clip_escaped(r, 80)}”" for r in f.reasons[:2])
        lines.append(line)
    return [section(clip(f"*{heading}*\n" + "\n".join(lines), 2900))]


def home_view(home: Home) -> Block:
    """The Home tab: how to use tykbot and this week's top errors; for admins the review
    queue, unknown errors, weak entries and helpfulness per entry."""
    out = how_to_blocks()
    out += top_errors_blocks(home.top_errors, "This week's top errors in your channels")
    out += [context(escape(n)) for n in home.notes]
    if home.admin is not None:
        a = home.admin
        out.append({"type": "divider"})
        out += proposal_blocks(a.proposals)
        out.append({"type": "divider"})
        out += gap_blocks(a.gaps)
        out.append({"type": "divider"})
        out += feedback_lines(a.weak, "Weak entries (called the wrong error)", reasons=True)
        out += feedback_lines(a.helpfulness, "Helpfulness per entry", reasons=False)
    return {"type": "home", "blocks": cap(out, MAX_HOME_BLOCKS)}


# -- text summaries ------------------------------------------------------------------------------
def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The week in a few lines (mrkdwn), shared by `/tykerror stats` and the digest."""
    days, queries, confident = summary["days"], summary["queries"], summary["confident"]
    share = f" ({confident / queries:.0%} confident)" if queries else ""
    lines = [f"*Last {days} days:* {queries} pastes explained{share}."]
    top = summary["top"]
    if top:
        lines.append(
            "*Top errors:* " + ", ".join(f"{e.code} {escape(e.message)} ({n}×)" for e, n in top)
        )
    gaps: Sequence[Gap] = summary["new_gaps"]
    if gaps:
        lines.append(
            "*New unknown errors:* "
            + "; ".join(f"`{clip_escaped(g.example, 80)}` ({g.count}×)" for g in gaps)
        )
    weak: Sequence[EntryFeedback] = summary["weak"]
    if weak:
        lines.append(
            "*Weak entries:* "
            + ", ".join(
                f"{f.entry.code} {escape(f.entry.message)} ({f.wrong_rate:.0%} wrong)" for f in weak
            )
        )
    if summary["open_proposals"]:
        lines.append(f"*Waiting for review:* {summary['open_proposals']} learned phrasings.")
    return lines


def stats_message(summary: dict[str, Any]) -> Message:
    """`/tykerror stats`: a short text summary."""
    lines = summary_lines(summary)
    return message(clip(lines[0].replace("*", ""), 300), [section(clip("\n".join(lines), 2900))])


def digest_message(summary: dict[str, Any]) -> Message:
    """The weekly digest posted by `tykbot digest`."""
    lines = summary_lines(summary)
    blocks = [_header("tykbot weekly digest"), section(clip("\n".join(lines), 2900))]
    blocks.append(context("Admins: the App Home tab has the review queue and unknown errors."))
    return message("tykbot weekly digest: " + clip(lines[0].replace("*", ""), 200), blocks)


__all__ = [
    "APPROVE",
    "GAP_ALIAS",
    "GAP_ENTRY",
    "GAP_NOISE",
    "MAX_HOME_BLOCKS",
    "REJECT",
    "AdminHome",
    "Home",
    "digest_message",
    "home_view",
    "stats_message",
]
