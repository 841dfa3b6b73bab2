"""Pack pages: the symptom page (page.yaml) and one page per condition, as structured data, safe HTML
and plain Markdown.

The web app and `symcheck kb page` both use this module, so the site and the printed page say the same
thing. Page bodies are a small Markdown subset written by pack authors; the renderer escapes every
character of input and only emits the handful of tags it builds itself, so pack text can never inject
markup or script into a page.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from symcheck.kb.pack import Pack
from symcheck.kb.schema import LEVELS, Condition, Rule, Source
from symcheck.results import ACTIONS

# ----- Markdown subset ------------------------------------------------------------------------------

# A resolver turns a condition id into (href, label); None means "not a known condition".
LinkResolver = Callable[[str], tuple[str, str] | None]

_INLINE = re.compile(
    r"\[\[(?P<wiki>[A-Za-z0-9_]+)(?:\|(?P<wiki_label>[^\]]+))?\]\]"
    r"|\[(?P<text>[^\]]+)\]\((?P<url>(?:[^()\s]|\([^()\s]*\))+)\)"
    r"|\*\*(?P<strong>.+?)\*\*"
    r"|(?<![*\w])\*(?P<em>[^*\s](?:[^*]*[^*\s])?)\*(?![*\w])"
    r"|`(?P<code>[^`]+)`"
)
_WIKI = re.compile(r"\[\[([A-Za-z0-9_]+)(?:\|[^\]]+)?\]\]")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# Only these link targets are emitted; anything else (javascript:, data:, ...) renders as plain text.
_SAFE_URL = re.compile(r"^(https?://|mailto:|/(?!/)|#)", re.IGNORECASE)


def condition_links(text: str) -> list[str]:
    """The condition ids a Markdown text links with [[id]], in order of first appearance."""
    seen: list[str] = []
    for cid in _WIKI.findall(text):
        if cid not in seen:
            seen.append(cid)
    return seen


def _inline(text: str, resolve: LinkResolver | None, *, in_link: bool = False) -> str:
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        pos = m.end()
        if m.group("wiki"):
            target = resolve(m.group("wiki")) if resolve else None
            label = m.group("wiki_label")
            if target is None or in_link:
                out.append(html.escape(label or (target[1] if target else m.group("wiki").replace("_", " "))))
            else:
                href, name = target
                out.append(f'<a href="{html.escape(href)}">{html.escape(label or name)}</a>')
        elif m.group("text"):
            url = m.group("url")
            inner = _inline(m.group("text"), resolve, in_link=True)
            if _SAFE_URL.match(url) and not in_link:
                out.append(f'<a href="{html.escape(url)}">{inner}</a>')
            else:
                out.append(inner)
        elif m.group("strong"):
            out.append(f"<strong>{_inline(m.group('strong'), resolve, in_link=in_link)}</strong>")
        elif m.group("em"):
            out.append(f"<em>{_inline(m.group('em'), resolve, in_link=in_link)}</em>")
        else:
            out.append(f"<code>{html.escape(m.group('code'))}</code>")
    out.append(html.escape(text[pos:]))
    return "".join(out)


def render_markdown(text: str, resolve: LinkResolver | None = None, *, heading_level: int = 3) -> Markup:
    """Render the Markdown subset to safe HTML: paragraphs, bullet and numbered lists, headings (shifted
    to start at `heading_level`), **bold**, *emphasis*, `code`, [links](https://...) and [[condition]]
    links. Everything else is shown as the literal text."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[str] = []
    list_tag = ""

    def flush_para() -> None:
        if para:
            blocks.append(f"<p>{_inline(' '.join(para), resolve)}</p>")
            para.clear()

    def flush_list() -> None:
        nonlocal list_tag
        if items:
            lis = "".join(f"<li>{_inline(i, resolve)}</li>" for i in items)
            blocks.append(f"<{list_tag}>{lis}</{list_tag}>")
            items.clear()
        list_tag = ""

    for raw in text.replace("\r\n", "\n").split("\n"):
        line = raw.rstrip()
        if not line.strip():
            flush_para()
            flush_list()
            continue
        heading = _HEADING.match(line)
        bullet = _BULLET.match(line)
        numbered = _NUMBERED.match(line)
        if heading:
            flush_para()
            flush_list()
            level = min(6, heading_level + len(heading.group(1)) - 1)
            blocks.append(f"<h{level}>{_inline(heading.group(2), resolve)}</h{level}>")
        elif bullet or numbered:
            flush_para()
            tag = "ul" if bullet else "ol"
            if list_tag and list_tag != tag:
                flush_list()
            list_tag = tag
            items.append((bullet or numbered).group(1))  # type: ignore[union-attr]
        elif items and raw[:1].isspace():
            items[-1] += " " + line.strip()  # continuation of a list item
        else:
            flush_list()
            para.append(line.strip())
    flush_para()
    flush_list()
    return Markup("\n".join(blocks))


def markdown_to_text(text: str, resolve: LinkResolver | None = None) -> str:
    """Pack Markdown for a plain-Markdown reader: [[id]] becomes the condition's name."""

    def name(m: re.Match[str]) -> str:
        target = resolve(m.group(1)) if resolve else None
        label = m.group(0)[2:-2].split("|", 1)
        if len(label) == 2:
            return label[1]
        return target[1] if target else m.group(1).replace("_", " ")

    return _WIKI.sub(name, text)


def markdown_to_plain(text: str, resolve: LinkResolver | None = None) -> str:
    """Pack Markdown as plain text (for meta descriptions and search): markup removed, links as their text."""
    rendered = re.sub(r"</?(?:strong|em|code|a)\b[^>]*>", "", str(render_markdown(text, resolve)))
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", rendered))).strip()


# ----- structured pages ----------------------------------------------------------------------------

LEVEL_TITLES: dict[str, str] = {
    "emergency_ambulance": "Call emergency services now",
    "emergency": "Go to an emergency department now",
    "consultation_24": "See a doctor today",
    "consultation": "Book an appointment with a doctor",
    "self_care": "Look after it yourself",
}


@dataclass
class ReviewInfo:
    reviewer: str
    last_reviewed: dt.date | None
    next_review: dt.date | None

    def overdue(self, today: dt.date | None = None) -> bool:
        return self.next_review is not None and self.next_review < (today or dt.date.today())


@dataclass
class WarningLevel:
    """The pack's rules at one urgency level: what to look out for and what to do."""

    level: str
    title: str
    action: str
    rules: list[Rule] = field(default_factory=list)


def format_date(day: dt.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else "not recorded"


def pack_review(pack: Pack) -> ReviewInfo:
    """The review record of the symptom page: page.yaml's, else the pack's review policy."""
    policy = pack.meta.review_policy
    page = pack.page

    def as_date(value: object) -> dt.date | None:
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return None
        return None

    reviewer = (page.reviewer if page and page.reviewer else "") or str(policy.get("reviewer", "") or "")
    last = (page.last_reviewed if page else None) or as_date(policy.get("last_reviewed"))
    nxt = (page.next_review if page else None) or as_date(policy.get("next_review"))
    return ReviewInfo(reviewer=reviewer or "not recorded", last_reviewed=last, next_review=nxt)


def condition_review(pack: Pack, condition: Condition) -> ReviewInfo:
    if condition.review is not None:
        r = condition.review
        return ReviewInfo(r.reviewer, r.last_reviewed, r.next_review)
    return pack_review(pack)


def warning_levels(pack: Pack, rules: Iterable[Rule] | None = None) -> list[WarningLevel]:
    """The pack's red-flag rules grouped by level, most urgent first (scope rules excluded)."""
    chosen = [r for r in (pack.rules if rules is None else rules) if not r.scope]
    out = []
    for level in reversed(LEVELS):
        at = [r for r in chosen if r.level == level]
        if at:
            out.append(WarningLevel(level=level, title=LEVEL_TITLES[level], action=ACTIONS[level], rules=at))
    return out


def out_of_scope_rules(pack: Pack) -> list[Rule]:
    return [r for r in pack.rules if r.scope]


def rules_for_condition(pack: Pack, condition: Condition) -> list[Rule]:
    """The red-flag rules that concern this condition: those that name it in ``conditions``. A rule that
    names no conditions counts when every finding it asks about is one this condition has a likelihood
    for, at or above the condition's urgency (any shared finding listed unrelated emergencies: eyelid
    twitching showed organophosphate poisoning)."""
    linked = set(condition.likelihoods)
    rank = LEVELS.index
    out = []
    for r in pack.rules:
        if r.scope:
            continue
        if r.conditions:
            if condition.id in r.conditions:
                out.append(r)
            continue
        named = {n for n in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", r.when) if n in pack.evidence}
        if named and named <= linked and rank(r.level) >= max(rank(condition.urgency), rank("consultation_24")):
            out.append(r)
    return out


def page_sources(pack: Pack) -> list[Source]:
    """Every source the symptom page rests on: its sections', its warning signs' and the pack's own."""
    ids: list[str] = []
    if pack.page:
        for sec in pack.page.sections:
            ids += sec.sources
    ids += [r.source for r in pack.rules if r.source]
    ids += pack.meta.sources
    return _unique_sources(pack, ids)


def condition_sources(pack: Pack, condition: Condition) -> list[Source]:
    ids = list(condition.references)
    for lk in condition.likelihoods.values():
        if not isinstance(lk, float | int) and lk.source:
            ids.append(lk.source)
    if condition.likelihood_source:
        ids.append(condition.likelihood_source)
    if condition.prior.source:
        ids.append(condition.prior.source)
    return _unique_sources(pack, ids)


def _unique_sources(pack: Pack, ids: Iterable[str]) -> list[Source]:
    out: list[Source] = []
    seen: set[str] = set()
    for sid in ids:
        if sid in seen or sid not in pack.sources:
            continue
        seen.add(sid)
        out.append(pack.sources[sid])
    return out


def linked_from_page(pack: Pack) -> list[str]:
    """Condition ids the symptom page links to, in order."""
    ids: list[str] = []
    if pack.page:
        for sec in pack.page.sections:
            ids += [c for c in condition_links(sec.body) if c not in ids and c in pack.conditions]
    return ids


def related_conditions(pack: Pack, condition: Condition, limit: int = 6) -> list[Condition]:
    """Conditions in the same category, then those named in the same symptom-page sections."""
    out = [c for c in pack.conditions.values() if c.category == condition.category and c.id != condition.id]
    if pack.page:
        for sec in pack.page.sections:
            links = condition_links(sec.body)
            if condition.id in links:
                out += [pack.conditions[c] for c in links if c in pack.conditions and c != condition.id]
    unique: dict[str, Condition] = {}
    for c in out:
        unique.setdefault(c.id, c)
    return list(unique.values())[:limit]


# Plain-language names for the category words packs use; any other category shows as written.
CATEGORY_TITLES: dict[str, str] = {
    "musculoskeletal": "Bones, joints and muscles",
    "benign": "Common, usually harmless causes",
    "metabolic": "Salts, minerals and metabolism",
    "endocrine": "Hormones and glands",
    "medication": "Medicines and drug reactions",
    "muscle_disease": "Muscle diseases",
    "neurological": "Brain, spinal cord and nerves",
    "organ_failure": "Kidney and liver conditions",
    "toxic": "Poisons and toxins",
    "vascular": "Blood vessels and circulation",
    "infection": "Infections",
}


def category_title(category: str) -> str:
    if category in CATEGORY_TITLES:
        return CATEGORY_TITLES[category]
    text = category.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def category_slug(category: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", category.lower()).strip("-") or "general"


def categories(pack: Pack) -> dict[str, list[Condition]]:
    """Conditions by category slug, categories and conditions sorted by name."""
    out: dict[str, list[Condition]] = {}
    for c in pack.conditions.values():
        out.setdefault(category_slug(c.category), []).append(c)
    return {k: sorted(v, key=lambda c: c.name.lower()) for k, v in sorted(out.items())}


@dataclass
class Feature:
    """One answer that makes a condition more likely: P(answer | condition), marked when estimated."""

    evidence_id: str
    question: str  # the checker's question in lay words
    answer: str  # the answer that counts, in lay words ("Yes", a choice, a range)
    probability: float
    estimate: bool
    source: str | None

    @property
    def text(self) -> str:
        return f"{self.question} {self.answer}"


def share_words(p: float, who: str) -> str:
    """A likelihood P(sign | condition) in words, so it is not read as the chance of the condition:
    "About 9 in 10 people with tetanus have this"."""
    if p >= 0.95:
        return f"Almost everyone with {who} has this"
    if p >= 0.1:
        return f"About {round(p * 10)} in 10 people with {who} have this"
    if p >= 0.01:
        return f"About 1 in {round(1 / p)} people with {who} has this"
    return f"Fewer than 1 in 100 people with {who} have this"


def typical_features(pack: Pack, condition: Condition, limit: int = 8) -> list[Feature]:
    """The answers the pack links most strongly to this condition (above the background rate)."""
    feats: list[Feature] = []
    for ev_id, lk in condition.likelihoods.items():
        e = pack.evidence.get(ev_id)
        if e is None:
            continue
        if isinstance(lk, float | int):
            estimate, source = False, condition.likelihood_source
            pairs = [("", float(lk))]
        else:
            estimate, source = lk.estimate, lk.source or condition.likelihood_source
            if lk.p is not None:
                pairs = [("", lk.p)]
            elif lk.values:
                pairs = list(lk.values.items())
            else:
                continue
        labels = {c.id: c.label for c in e.choices}
        question = e.question.lay or e.question.clinical
        for choice, p in pairs:
            if e.type == "yes_no":
                answer = "Yes"
            elif e.type in ("one_of", "many_of"):
                answer = labels.get(choice, choice)
            else:
                answer = _bin_label(e.bins, choice, e.unit)
            background = e.background if isinstance(e.background, float) else pack.meta.background_rate
            if p > background:
                feats.append(Feature(ev_id, question, answer, float(p), estimate, source))
    feats.sort(key=lambda f: -f.probability)
    return feats[:limit]


def _bin_label(bins: list[float], bin_id: str, unit: str | None) -> str:
    try:
        i = int(bin_id.lstrip("b"))
    except ValueError:
        return bin_id
    u = f" {unit}" if unit else ""
    if i == 0 and bins:
        return f"under {bins[0]:g}{u}"
    if i >= len(bins) and bins:
        return f"{bins[-1]:g}{u} or more"
    if 0 < i < len(bins):
        return f"{bins[i - 1]:g} to {bins[i]:g}{u}"
    return bin_id


# ----- Markdown export (the `symcheck kb page` command) ----------------------------------------------


def _resolver(pack: Pack) -> LinkResolver:
    def resolve(cid: str) -> tuple[str, str] | None:
        c = pack.conditions.get(cid)
        return (f"conditions/{cid}.md", c.name) if c else None

    return resolve


def _review_line(review: ReviewInfo) -> str:
    line = (
        f"Reviewed by {review.reviewer} on {format_date(review.last_reviewed)}; "
        f"next review due {format_date(review.next_review)}."
    )
    return line + (" (Review overdue.)" if review.overdue() else "")


def _source_line(src: Source) -> str:
    url = f" <{src.url}>" if src.url else ""
    return f"- {src.citation}{url} (checked {format_date(src.checked)})"


def symptom_page_markdown(pack: Pack) -> str:
    """The symptom page as one Markdown document."""
    resolve = _resolver(pack)
    page = pack.page
    title = page.title if page else pack.meta.name
    out = [f"# {title}", ""]
    summary = (page.summary if page else "") or pack.meta.description
    if summary:
        out += [markdown_to_text(summary.strip(), resolve), ""]
    sections = page.sections if page else []
    for sec in sections:
        out += [f"## {sec.title}", "", markdown_to_text(sec.body.strip(), resolve), ""]
        if sec.id == "warning_signs":
            out += _warning_markdown(pack)
    if not any(s.id == "warning_signs" for s in sections):
        out += ["## Warning signs", ""] + _warning_markdown(pack)
    out += ["## Sources", ""] + [_source_line(s) for s in page_sources(pack)] + [""]
    out += [_review_line(pack_review(pack)), "", pack.meta.disclaimer.strip(), ""]
    return "\n".join(out)


def _warning_markdown(pack: Pack) -> list[str]:
    out: list[str] = []
    for wl in warning_levels(pack):
        out += [f"### {wl.title}", "", wl.action, ""]
        for r in wl.rules:
            out.append(f"- {r.message}" + (f" While you wait: {r.while_waiting}" if r.while_waiting else ""))
        out.append("")
    return out


def condition_page_markdown(pack: Pack, condition_id: str) -> str:
    c = pack.condition(condition_id)
    resolve = _resolver(pack)
    out = [f"# {c.name}", ""]
    if c.lay_name and c.lay_name != c.name:
        out += [f"Also called: {c.lay_name}" + (f", {', '.join(c.synonyms)}" if c.synonyms else ""), ""]
    elif c.synonyms:
        out += [f"Also called: {', '.join(c.synonyms)}", ""]
    if c.summary:
        out += [markdown_to_text(c.summary.strip(), resolve), ""]
    out += [f"What to do: {ACTIONS[c.urgency]}", ""]
    feats = typical_features(pack, c)
    if feats:
        out += ["## Typical features", ""]
        out += [f"- {f.text} ({f.probability:.0%}{', our estimate' if f.estimate else ''})" for f in feats]
        out.append("")
    if c.self_care:
        out += ["## Self-care", ""] + [f"- {s}" for s in c.self_care] + [""]
    if c.treatment:
        out += ["## Treatment", "", markdown_to_text(c.treatment.strip(), resolve), ""]
    if c.complications:
        out += ["## Complications", ""] + [f"- {s}" for s in c.complications] + [""]
    if c.specialists:
        out += ["## Who to see", ""]
        out += [f"- {pack.specialists[s].name if s in pack.specialists else s}" for s in c.specialists] + [""]
    if c.tests:
        out += ["## Tests you may have", ""]
        out += [f"- {pack.tests[t].name if t in pack.tests else t}" for t in c.tests] + [""]
    if c.when_to_seek_help:
        out += ["## When to get help", "", c.when_to_seek_help.strip(), ""]
    out += ["## Sources", ""] + [_source_line(s) for s in condition_sources(pack, c)] + [""]
    out += [_review_line(condition_review(pack, c)), "", pack.meta.disclaimer.strip(), ""]
    return "\n".join(out)
