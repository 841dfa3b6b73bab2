"""Numbers in free text: ages, durations, frequencies, temperatures, weeks of pregnancy, and who it is about."""

from __future__ import annotations

from dataclasses import dataclass, field

from symcheck.text.tokens import SENTENCE_END, Token, phrase_keys, stem

_WORD_NUM = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "couple": 2, "few": 3, "several": 3, "half": 0.5,
    "once": 1, "twice": 2, "thrice": 3, "a": 1, "an": 1, "single": 1, "dozen": 12,
}
_TENS = {20, 30, 40, 50, 60, 70, 80, 90}

# unit key -> (kind, size): time units in days; "short" units are also in minutes for episodes
_UNITS: dict[str, tuple[str, float]] = {
    "sec": ("short", 1 / 60), "second": ("short", 1 / 60), "secs": ("short", 1 / 60),
    "minut": ("short", 1.0), "min": ("short", 1.0), "mins": ("short", 1.0),
    "hour": ("short", 60.0), "hr": ("short", 60.0), "hrs": ("short", 60.0),
    "day": ("long", 1.0), "night": ("long", 1.0), "week": ("long", 7.0), "wk": ("long", 7.0),
    "fortnight": ("long", 14.0), "month": ("long", 30.0), "year": ("long", 365.0), "yr": ("long", 365.0),
    "yrs": ("long", 365.0), "mth": ("long", 30.0), "mths": ("long", 30.0), "wks": ("long", 7.0),
}
_WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekend"}


# an attack's length only when the words say so ("lasts a few minutes", "it lasted about 10 minutes"); "for an
# hour" or "in half an hour" more often tell how long something else took
_SHORT_BEFORE = {stem(w) for w in ["last", "lasting", "lasts", "lasted", "take", "takes", "took", "taking"]}
_LONG_BEFORE = {stem(w) for w in ["for", "past", "last", "over", "since", "about", "around", "nearly", "almost", "now", "least", "couple", "few", "been", "like"]}
# an attack that ends: "lets go / goes / eases / settles / stops ... within|in|after <minutes>"
_EASES = {"let", "lets", "goes", "go", "eases", "eased", "ease", "settles", "settled", "stops", "stopped", "passes",
          "passed", "sorts", "sorted", "wears", "wore", "fades", "faded", "relaxes", "relaxed"}  # as written
_WITHIN = {stem(w) for w in ["within", "in", "after"]}
_A_BEFORE = {"for", "over", "past", "last", "about", "around", "almost", "nearly", "than", "within", "just", "after",
             "lasts", "lasting", "only", "least", "under", "like", "in"} | {
             stem(w) for w in ("lasts", "lasted", "took", "takes", "maybe", "perhaps", "roughly", "approximately")}


@dataclass
class Value:
    start: int  # token indices [start, end)
    end: int
    kind: str  # since (days), episode (minutes), frequency (per week), temperature (C), gestation (weeks)
    value: float


def v_is_hour(v: float) -> bool:
    return 0 < v <= 12 and float(v).is_integer()


def number_at(tokens: list[Token], i: int) -> tuple[float, int] | None:
    """A number starting at token i (digits or words: 'forty five', 'a couple of'), and the index after it."""
    t = tokens[i]
    if t.kind == "n":
        try:
            v = float(t.key)
        except ValueError:
            return None
        j = i + 1
        # ranges "2-3 days", "2 or 3 times": keep the first figure, skip the rest
        if j + 1 < len(tokens) and tokens[j].key in ("-", "to", "or") and tokens[j + 1].kind == "n":
            j += 2
        return v, j
    w = t.text.replace("'", "")
    if w not in _WORD_NUM:
        return None
    v = float(_WORD_NUM[w])
    j = i + 1
    if w in ("a", "an"):
        if j < len(tokens) and tokens[j].text in ("couple", "few", "half", "dozen"):
            return number_at(tokens, j)
        return v, j
    if v in _TENS and j < len(tokens) and tokens[j].key == "-":
        j += 1
    if v in _TENS and j < len(tokens) and _WORD_NUM.get(tokens[j].text, 99) < 10:
        v += _WORD_NUM[tokens[j].text]
        j += 1
    if w in ("couple", "few", "several", "dozen") and j < len(tokens) and tokens[j].text == "of":
        j += 1
    if w == "half" and j < len(tokens) and tokens[j].text in ("an", "a"):
        j += 1
    if j < len(tokens) and tokens[j].text in ("or", "to") and j + 1 < len(tokens):
        nxt = tokens[j + 1].text
        if nxt in _WORD_NUM and nxt not in ("a", "an") or tokens[j + 1].kind == "n":
            j += 2
    return v, j


def _prev(tokens: list[Token], i: int, k: int = 3) -> list[str]:
    return [t.key for t in tokens[max(0, i - k) : i]]


def _sentence(tokens: list[Token], i: int) -> list[Token]:
    a = i
    while a > 0 and tokens[a - 1].key not in SENTENCE_END:
        a -= 1
    b = i
    while b < len(tokens) and tokens[b].key not in SENTENCE_END:
        b += 1
    return tokens[a:b]


# units of what else a figure like 38.5 may measure
_OTHER_MEASURES = {"kg", "kgs", "kilo", "kilogram", "g", "gram", "lb", "lbs", "pound", "stone", "st", "cm", "mm", "m",
                   "metr", "meter", "mile", "mil", "km", "kilometr", "mg", "ml", "l", "litr", "mmol", "%", "percent",
                   "bmi", "x", "k"}
_BARE_TEMP_BEFORE = {".", ",", "!", ";", ":", "(", "-", "wa", "was", "is", "it", "of", "at", "to", "hit", "reached",
                     "now", "got", "up", "went", "with", "reach"}
_BODY_TEMP = {"temp", "temperatur", "fever", "feverish", "thermometer", "febril", "temperature"}
_WEATHER = {"outsid", "outside", "weather", "sun", "humid", "heatwave", "shade", "day", "afternoon", "hot"}

_SINCE_WORDS = {
    ("today",): 0.5, ("this", "morning"): 0.5, ("this", "afternoon"): 0.3, ("this", "evening"): 0.2,
    ("tonight",): 0.1, ("last", "night"): 1.0, ("yesterday",): 1.0, ("overnight",): 1.0, ("earlier", "today"): 0.3,
    ("just", "now"): 0.05, ("last", "week"): 7.0, ("last", "month"): 30.0, ("for", "year"): 400.0,
    ("for", "age"): 400.0, ("for", "month"): 90.0, ("for", "week"): 21.0, ("for", "day"): 4.0,
    ("a", "long", "time"): 200.0, ("since", "childhood"): 3000.0, ("all", "my", "life"): 3000.0,
    ("since", "i", "was", "a", "child"): 3000.0, ("the", "other", "day"): 3.0, ("few", "day"): 3.0,
    ("few", "week"): 21.0, ("few", "month"): 90.0, ("recent", "week"): 21.0, ("recent", "month"): 90.0,
    ("this", "week"): 4.0, ("since", "lunchtime"): 0.3, ("since", "lunch"): 0.3, ("since", "breakfast"): 0.4,
    ("since", "teatime"): 0.2, ("past", "year"): 365.0, ("past", "week"): 7.0, ("past", "fortnight"): 14.0,
    ("past", "month"): 30.0, ("past", "few", "day"): 3.0, ("past", "few", "week"): 21.0, ("past", "few", "month"): 90.0, ("since", "he", "was", "little"): 3000.0,
    ("since", "she", "was", "little"): 3000.0, ("since", "i", "was", "little"): 3000.0,
    ("since", "he", "was", "a", "baby"): 3000.0, ("since", "she", "was", "a", "baby"): 3000.0,
    # a season or the year's start is months ago whatever today's date (the next one has not come yet)
    ("since", "the", "summer"): 120.0, ("since", "the", "spring"): 120.0, ("since", "the", "autumn"): 90.0,
    ("since", "summer"): 120.0, ("since", "spring"): 120.0, ("since", "autumn"): 90.0,
    ("since", "last", "summer"): 300.0, ("since", "last", "year"): 365.0, ("since", "the", "new", "year"): 90.0,
}

_FREQ_WORDS = {
    ("most", "night"): 5.0, ("every", "other", "night"): 3.5, ("most", "evening"): 5.0,
    # nightly is 7 a week; "nearly" a little less
    ("every", "night"): 7.0, ("each", "night"): 7.0, ("every", "evening"): 7.0, ("every", "morning"): 7.0,
    ("nearly", "every", "night"): 6.0, ("almost", "every", "night"): 6.0, ("most", "days"): 5.0,
    ("nearly", "every", "day"): 6.0, ("almost", "every", "day"): 6.0, ("every", "single", "night"): 7.0,
    ("few", "nights", "a", "week"): 3.0, ("few", "evenings", "a", "week"): 3.0, ("few", "times", "a", "week"): 3.0,
    ("few", "days", "a", "week"): 3.0, ("couple", "of", "times", "a", "week"): 2.0,
    ("couple", "of", "nights", "a", "week"): 2.0, ("twice", "this", "week"): 2.0, ("once", "this", "week"): 1.0,
    ("three", "times", "this", "week"): 3.0, ("once", "a", "fortnight"): 0.5, ("every", "couple", "of", "weeks"): 0.5,
}


def _stem_set(words: set[str]) -> set[str]:
    return {stem(w) for w in words}


def _stemmed(table: dict[tuple[str, ...], float]) -> dict[tuple[str, ...], float]:
    return {phrase_keys(" ".join(k)): v for k, v in table.items()}


_SINCE_WORDS = _stemmed(_SINCE_WORDS)
_FREQ_WORDS = _stemmed(_FREQ_WORDS)
_BODY_TEMP = {stem(w) for w in _BODY_TEMP}
_WEATHER = {stem(w) for w in _WEATHER}


_INDEX: dict[int, dict[str, list[tuple[tuple[str, ...], float]]]] = {}


def _phrase_at(tokens: list[Token], i: int, table: dict[tuple[str, ...], float]) -> tuple[float, int] | None:
    """The longest phrase of `table` starting at token i (tables indexed by first key, built once)."""
    index = _INDEX.get(id(table))
    if index is None:
        index = {}
        for keys, v in sorted(table.items(), key=lambda kv: -len(kv[0])):
            index.setdefault(keys[0], []).append((keys, v))
        _INDEX[id(table)] = index
    for keys, v in index.get(tokens[i].key, ()):
        m = len(keys)
        if all(i + q < len(tokens) and tokens[i + q].key == keys[q] for q in range(1, m)):
            return v, i + m
    return None


def extract_values(tokens: list[Token]) -> list[Value]:
    out: list[Value] = []
    used: set[int] = set()
    n = len(tokens)
    for i in range(n):
        if i in used:
            continue
        key = tokens[i].key
        # frequency words first ("every night" is a frequency, not the start of the complaint)
        hit = _phrase_at(tokens, i, _FREQ_WORDS)
        if hit is not None:
            out.append(Value(i, hit[1], "frequency", hit[0]))
            used.update(range(i, hit[1]))
            continue
        num = number_at(tokens, i)
        ago = i + 2 < n and tokens[i + 1].key in _UNITS and tokens[i + 2].key == "ago"  # "an hour ago"
        if num is not None and tokens[i].text in ("a", "an") and not ago and (i == 0 or tokens[i - 1].key not in _A_BEFORE):
            num = None  # "a day" in "five coffees a day" is not a duration
        if num is not None and tokens[i].kind == "n" and i + 1 < n and tokens[i + 1].key in ("am", "pm") and v_is_hour(num[0]):
            # a clock time ("woke at 4am", "since about 6pm"): earlier today
            start = i - 2 if i >= 2 and tokens[i - 2].key == "sinc" and tokens[i - 1].key in _A_BEFORE else (
                i - 1 if i >= 1 and tokens[i - 1].key == "sinc" else i)
            out.append(Value(start, i + 2, "since_word", 0.3))
            used.update(range(start, i + 2))
            continue
        if num is not None:
            v, j = num
            if j < n and tokens[j].key in ("tim", "x") and tokens[j].kind == "w":
                j += 1
            # frequency: "twice a week", "3 times a night", "2 nights a week"
            k = j
            if k < n and tokens[k].key in ("night", "day", "tim") and tokens[i].text not in ("once", "twice"):
                k += 1
            if k + 1 < n and tokens[k].key in ("a", "per", "each", "every", "an") and tokens[k + 1].key in (
                "week", "wk", "day", "night", "month", "even"
            ):
                per = tokens[k + 1].key
                scale = {"week": 1.0, "wk": 1.0, "day": 7.0, "night": 7.0, "even": 7.0, "month": 1 / 4.3}[per]
                if tokens[j - 1].key in ("night", "day") and per in ("week", "wk"):
                    scale = 1.0
                out.append(Value(i, k + 2, "frequency", v * scale))
                used.update(range(i, k + 2))
                continue
            if tokens[i].text in ("once", "twice", "thrice"):
                continue
            unit = tokens[j].key if j < n else ""
            # gestation: "28 weeks pregnant", "20 weeks gone/along"
            if unit in ("week", "wk", "wks", "month", "mth", "mths") and j + 1 < n and tokens[j + 1].key in (
                "pregnant", "gon", "go", "along"
            ):
                out.append(Value(i, j + 2, "gestation", v * (4.35 if unit in ("month", "mth", "mths") else 1.0)))
                used.update(range(i, j + 2))
                continue
            if tokens[i].kind == "n" and j + 2 < n and tokens[j].key == "/" and tokens[j + 1].key == "40":
                out.append(Value(i, j + 2, "gestation", v))
                continue
            # temperature: 38.9, 38.9C, 102F, 39 degrees
            if tokens[i].kind == "n":
                unit_c = unit in ("c", "celsius", "centigrad")
                unit_f = unit in ("f", "fahrenheit")
                deg = unit in ("°", "degre", "degree")
                end = j + 1 if (unit_c or unit_f or deg) else j
                if deg and end < n and tokens[end].key in ("c", "f", "celsius", "fahrenheit", "centigrad"):
                    unit_f = tokens[end].key in ("f", "fahrenheit")
                    unit_c = not unit_f
                    end += 1
                words = {t.key for t in _sentence(tokens, i)}
                body = bool(words & _BODY_TEMP)
                weather = bool(words & _WEATHER) and not body
                celsius = (v - 32) * 5 / 9 if (unit_f or (v >= 90 and not unit_c)) else v
                decimal = "." in tokens[i].key
                # a bare "38.7" with one decimal, in the range of a body temperature and followed by no unit of
                # anything else, is a temperature: people write "38.7 this morning" without naming it
                # (opening its sentence or after "was", "is", "of" ...: "scored 39.5" and "ran 38.5 miles" are not)
                bare = (decimal and len(tokens[i].key.split(".")[1]) == 1 and 35 <= v <= 42.5
                        and unit not in _UNITS and unit not in _OTHER_MEASURES
                        and (i == 0 or tokens[i - 1].key in _BARE_TEMP_BEFORE))
                if 34 <= celsius <= 43.5 and not weather and (body or unit_f or (decimal and (unit_c or deg)) or bare):
                    out.append(Value(i, end, "temperature", celsius))
                    used.update(range(i, end))
                    continue
            if unit in _UNITS and not (j + 1 < n and tokens[j + 1].key == "old"):
                kind, size = _UNITS[unit]
                before = _prev(tokens, i, 4)
                after = tokens[j + 1].key if j + 1 < n else ""
                if after == "ago":
                    out.append(Value(i, j + 2, "since", v * size / (1440.0 if kind == "short" else 1.0)))
                    used.update(range(i, j + 2))
                    continue
                if kind == "short":
                    # "it lets go within a few minutes", "settles after a couple of minutes": how long one lasts
                    eases = any(t.text in _EASES for t in tokens[max(0, i - 6) : i]) and bool(set(before) & _WITHIN)
                    if set(before) & _SHORT_BEFORE or eases:
                        out.append(Value(i, j + 1, "episode", v * size))
                        used.update(range(i, j + 1))
                    continue
                if set(before) & _LONG_BEFORE or after in ("now", "straight"):
                    out.append(Value(i, j + 1, "since", v * size))
                    used.update(range(i, j + 1))
                    continue
            continue
        hit = _phrase_at(tokens, i, _SINCE_WORDS)
        if hit is not None:
            out.append(Value(i, hit[1], "since_word", hit[0]))
            used.update(range(i, hit[1]))
            continue
        if key == "sinc" and i + 1 < n:
            nxt = tokens[i + 1].key
            j = i + 3 if nxt == "last" and i + 2 < n and tokens[i + 2].key in _WEEKDAYS else i + 2
            if nxt in _WEEKDAYS or j == i + 3:
                out.append(Value(i, j, "since_word", 4.0))
                used.update(range(i, j))
        elif key in ("on", "last") and i + 1 < n and tokens[i + 1].key in _WEEKDAYS:
            # "started on Saturday", "last Tuesday": a day this week or last, days ago whichever it was
            out.append(Value(i, i + 2, "since_word", 4.0))
            used.update(range(i, i + 2))
    return out


# ---- who it is about -------------------------------------------------------------------------------------

RELATIONS: dict[str, str | None] = {
    "dad": "male", "father": "male", "husband": "male", "son": "male", "brother": "male", "grandad": "male",
    "grandpa": "male", "grandfather": "male", "boyfriend": "male", "uncle": "male", "nephew": "male",
    "stepson": "male", "stepdad": "male", "boy": "male", "grandson": "male", "fianc": None,
    "mum": "female", "mother": "female", "wife": "female", "daughter": "female", "sister": "female",
    "grandma": "female", "granny": "female", "nan": "female", "nana": "female", "grandmother": "female",
    "girlfriend": "female", "aunt": "female", "niece": "female", "stepdaughter": "female", "girl": "female",
    "granddaughter": "female", "stepmum": "female",
    "partner": None, "child": None, "kid": None, "baby": None, "toddler": None, "friend": None, "flatmate": None,
    "neighbour": None, "colleague": None, "teenager": None, "patient": None,
}
_SELF_SEX = {
    "woman": "female", "female": "female", "girl": "female", "lady": "female", "f": "female", "mum": "female",
    "mother": "female", "man": "male", "male": "male", "guy": "male", "boy": "male", "bloke": "male", "m": "male",
    "dad": "male", "father": "male", "gentleman": "male",
}
_FEMALE_CUES = {"period", "pregnant", "pregnancy", "breastfeed", "menopaus", "womb", "ovary", "uteru", "vagina"}
_MALE_CUES = {"prostat", "testicl", "testi", "scrotum", "penis"}
_FIRST = {"i", "im", "ive", "me", "myself", "id", "ill"}
_THIRD = {"he", "she", "his", "her", "him", "hes", "shes", "herself", "himself"}


RELATIONS = {stem(k): v for k, v in RELATIONS.items()}
_SELF_SEX = {stem(k): v for k, v in _SELF_SEX.items()}
_FEMALE_CUES = {stem(w) for w in _FEMALE_CUES}
_MALE_CUES = {stem(w) for w in _MALE_CUES}
_FIRST = {stem(w) for w in _FIRST}
_THIRD = {stem(w) for w in _THIRD}


@dataclass
class PersonGuess:
    age: float | None = None
    sex: str | None = None
    speaker: str = "self"
    relation: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)  # token index ranges


def _age_after(tokens: list[Token], i: int) -> tuple[float, int] | None:
    """An age written at token i: '86', '86 years old', '18 months old', '8yo'."""
    num = number_at(tokens, i)
    if num is None or tokens[i].text in ("a", "an", "once", "twice", "couple", "few", "several", "half"):
        return None
    v, j = num
    if j < len(tokens) and tokens[j].key in ("month", "mo") and j + 1 < len(tokens) and tokens[j + 1].key == "old":
        return v / 12, j + 2
    if j < len(tokens) and tokens[j].key in ("week",) and j + 1 < len(tokens) and tokens[j + 1].key == "old":
        return v / 52, j + 2
    if 0 < v <= 110 and v == int(v):
        for extra in (("year", "old"), ("yr", "old"), ("year",), ("yo",), ("y", "o"), ("yr",), ("-", "year", "-", "old")):
            m = len(extra)
            if tuple(t.key for t in tokens[j : j + m]) == extra:
                return v, j + m
        return v, j
    return None


def guess_person(tokens: list[Token]) -> PersonGuess:
    g = PersonGuess()
    n = len(tokens)
    keys = [t.key for t in tokens]
    first = sum(k in _FIRST for k in keys)
    third = sum(k in _THIRD for k in keys)
    # the first "my <relation>" (or "our <relation>") names the patient when the story is about them
    rel_at = None
    for i in range(n - 1):
        if keys[i] in ("my", "our") :
            j = i + 1
            # "my 8 year old son", "my little girl", "my elderly mum"
            while j < n and j < i + 6 and keys[j] not in RELATIONS and (tokens[j].kind == "n" or keys[j] in (
                "year", "yr", "old", "-", "littl", "elderly", "old", "teenag", "young", "older", "younger", "baby",
                "oldest", "youngest", "eldest", "month", "week", "two", "three", "four", "five", "six", "seven",
                "eight", "nin", "ten", "eleven", "twelv", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "yo", "poor", "grown", "adult", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty",
                "ninety")):
                j += 1
            if j < n and keys[j] in RELATIONS and (third >= 1):
                rel_at = (i, j)
                break
    if rel_at is not None and third >= max(1, first // 3):
        i, j = rel_at
        g.speaker = "other"
        g.relation = tokens[j].text
        g.sex = RELATIONS[keys[j]]
        g.spans.append((i, j + 1))
        # the age: inside "my 8 year old son", right after "my dad, 86", or "he is 86" / "she's 7"
        for k in range(i + 1, j):
            age = _age_after(tokens, k)
            if age is not None:
                g.age = age[0]
                g.spans.append((k, age[1]))
                break
        if g.age is None:
            k = j + 1
            # "my dad, 86", "she is 7", "my son Leo is 12" (a name between)
            while k < n and k <= j + 4 and (keys[k] in (",", "(", "is", "who", "age", "aged", "-", "s", "'") or (
                k == j + 1 and tokens[k].kind == "w" and k + 2 < n and keys[k + 1] in ("is", ",", "(")
                and tokens[k + 2].kind == "n"
            )):
                k += 1
            if k < n and k > j + 0:
                age = _age_after(tokens, k)
                if age is not None:
                    g.age = age[0]
                    g.spans.append((k, age[1]))
        if g.sex is None:
            he = sum(k in ("he", "his", "him", "hes", "himself") for k in keys)
            she = sum(k in ("she", "her", "shes", "herself") for k in keys)
            if he != she:
                g.sex = "male" if he > she else "female"
    if g.age is None:
        g.age, span = _find_age(tokens, other=g.speaker == "other")
        if span:
            g.spans.append(span)
    if g.sex is None and g.speaker == "self":
        for i in range(n):
            if keys[i] in ("im", "i") and i + 1 < n:
                k = i + 1 + (keys[i] == "i" and keys[i + 1] == "am")
                k += k < n and keys[k] in ("a", "an")
                while k < n and (tokens[k].kind == "n" or keys[k] in ("year", "old", "-", "yr", "yo")):
                    k += 1
                if k + 1 < n and keys[k] == "," and tokens[k - 1].kind == "n":
                    k += 1  # "I'm 52, female"
                if k < n and keys[k] in _SELF_SEX and len(keys[k]) > 1:
                    g.sex = _SELF_SEX[keys[k]]
                    g.spans.append((k, k + 1))
                    break
            # "34f", "34 m", "(f)", "34M,"
            if tokens[i].kind == "n" and i + 1 < n and keys[i + 1] in ("f", "m") and tokens[i + 1].start == tokens[i].end:
                g.sex = _SELF_SEX[keys[i + 1]]
                g.spans.append((i, i + 2))
                break
            if keys[i] in ("as", "being") and i + 2 < n and keys[i + 1] == "a" and keys[i + 2] in ("woman", "man", "lady", "guy"):
                g.sex = _SELF_SEX[keys[i + 2]]
                break
        if g.sex is None:
            if any(k in _FEMALE_CUES for k in keys):
                g.sex = "female"
            elif any(k in _MALE_CUES for k in keys):
                g.sex = "male"
    elif g.sex is None and any(k in _FEMALE_CUES for k in keys):
        g.sex = "female"
    return g


def _find_age(tokens: list[Token], other: bool) -> tuple[float | None, tuple[int, int] | None]:
    keys = [t.key for t in tokens]
    n = len(tokens)
    # a writer who speaks of themselves ("I", "I'm") is not the relative whose age they give ("New mum here, baby
    # is 4 weeks old. I'm 31 ..."): that age is the relative's
    writer = not other and any(k in _FIRST for k in keys)
    for i in range(n):
        t = tokens[i]
        if t.kind != "n" and t.text not in _WORD_NUM:
            continue
        if writer and any(keys[k] in RELATIONS for k in range(max(0, i - 3), i)):
            continue
        age = _age_after(tokens, i)
        if age is None:
            continue
        v, j = age
        after = keys[j - 1] if j - 1 < n else ""
        explicit = j > i + 1 and after in ("old", "yo", "o", "year", "yr")
        if explicit and not (j < n and keys[j] in ("ago", "now", "of")) and not (
            after in ("year", "yr") and j < n and keys[j] not in (",", ".", "(", ")", "and", "-", "with", "male",
                                                                  "female", "man", "woman", "boy", "girl")
        ):
            return v, (i, j)
        prev = keys[i - 1] if i > 0 else ""
        prev2 = keys[i - 2] if i > 1 else ""
        said = prev in ("aged", "age") or (prev in ("im", "am") and not other) or (
            prev in ("is", "s") and prev2 in ("he", "she", "hes", "shes", "who")
        ) or (prev in ("hes", "she") and other)
        if said and (t.kind == "n" or t.text in _WORD_NUM):
            nxt = keys[j] if j < n else ""
            if nxt not in ("week", "wk", "month", "day", "tim", "minut", "hour", "%", "kg", "st", "lb", "pound"):
                return v, (i, j)
        # "17, playing in a tournament", "35 and otherwise well": a bare number opening a sentence
        opens = i == 0 or keys[i - 1] in SENTENCE_END
        if opens and t.kind == "n" and j < n and keys[j] in (",", "m", "f", "(", "-", "and", "now") and 1 <= v <= 110:
            return v, (i, j)
        if prev == "(" and j < n and keys[j] in (")", "m", "f", "y", "yr", "yo"):
            return v, (i, j)
    return None, None
