"""English inflection for substitution rules: export -> exports, exported, exporting.

Regular spelling rules (e-drop, y -> ies/ied, consonant doubling, sibilant -es)
plus tables of irregular verbs and nouns. Multi-word phrases inflect their
first word as a verb ("take in" -> "took in") and their last word as a noun
("border crossing" -> "border crossings").
"""

from __future__ import annotations

from functools import lru_cache

#: Verb forms in a fixed order: base, third person singular, past, past participle, -ing.
VERB_FORMS = ("base", "s", "past", "participle", "ing")

_IRREGULAR_VERBS_TEXT = """
arise arose arisen; awake awoke awoken; be was been; bear bore borne; beat beat beaten;
become became become; begin began begun; bend bent bent; bet bet bet; bid bid bid; bind bound bound;
bite bit bitten; bleed bled bled; blow blew blown; break broke broken; breed bred bred;
bring brought brought; build built built; burst burst burst; buy bought bought; cast cast cast;
catch caught caught; choose chose chosen; cling clung clung; come came come; cost cost cost;
creep crept crept; cut cut cut; deal dealt dealt; dig dug dug; do did done; draw drew drawn;
drink drank drunk; drive drove driven; eat ate eaten; fall fell fallen; feed fed fed; feel felt felt;
fight fought fought; find found found; flee fled fled; fly flew flown; forbid forbade forbidden;
forget forgot forgotten; forgive forgave forgiven; freeze froze frozen; get got gotten; give gave given;
go went gone; grind ground ground; grow grew grown; hang hung hung; have had had; hear heard heard;
hide hid hidden; hit hit hit; hold held held; hurt hurt hurt; keep kept kept; kneel knelt knelt;
know knew known; lay laid laid; lead led led; leave left left; lend lent lent; let let let;
lie lay lain; light lit lit; lose lost lost; make made made; mean meant meant; meet met met;
pay paid paid; put put put; quit quit quit; read read read; rid rid rid; ride rode ridden; ring rang rung;
rise rose risen; run ran run; say said said; see saw seen; seek sought sought; sell sold sold;
send sent sent; set set set; shake shook shaken; shed shed shed; shine shone shone; shoot shot shot;
show showed shown; shrink shrank shrunk; shut shut shut; sing sang sung; sink sank sunk; sit sat sat;
sleep slept slept; slide slid slid; speak spoke spoken; speed sped sped; spend spent spent;
spin spun spun; split split split; spread spread spread; spring sprang sprung; stand stood stood;
steal stole stolen; stick stuck stuck; sting stung stung; strike struck struck; strive strove striven;
swear swore sworn; sweep swept swept; swim swam swum; swing swung swung; take took taken;
teach taught taught; tear tore torn; tell told told; think thought thought; throw threw thrown;
thrust thrust thrust; tread trod trodden; understand understood understood; wake woke woken;
wear wore worn; weave wove woven; weep wept wept; win won won; wind wound wound; wring wrung wrung;
write wrote written
"""

_IRREGULAR_NOUNS_TEXT = """
man men; woman women; child children; person people; foot feet; tooth teeth; goose geese;
mouse mice; ox oxen; crisis crises; analysis analyses; thesis theses; basis bases; hypothesis hypotheses;
diagnosis diagnoses; criterion criteria; phenomenon phenomena; life lives; knife knives; wife wives;
leaf leaves; half halves; wolf wolves; shelf shelves; thief thieves; calf calves; loaf loaves;
hero heroes; potato potatoes; tomato tomatoes; veto vetoes; echo echoes; embargo embargoes;
torpedo torpedoes; sheep sheep; fish fish; deer deer; series series; species species; aircraft aircraft;
news news; police police; staff staff; headquarters headquarters; means means
"""

#: Prefixes that keep the inflection of the verb they are put before (withdraw -> withdrew).
_VERB_PREFIXES = ("with", "under", "over", "out", "up", "mis", "fore", "re", "be")

#: Verbs of two or more syllables stressed on the last one, which double their final consonant.
_DOUBLING = frozenset("""
admit commit compel confer control defer deter embed emit equip expel forbid incur infer occur omit
patrol permit prefer propel rebel recur refer regret remit submit transfer transmit upset abet acquit
""".split())


def _table(text: str) -> dict[str, tuple[str, ...]]:
    rows = (part.split() for part in text.replace("\n", " ").split(";"))
    return {row[0]: tuple(row[1:]) for row in rows if row}


IRREGULAR_VERBS: dict[str, tuple[str, ...]] = _table(_IRREGULAR_VERBS_TEXT)
IRREGULAR_NOUNS: dict[str, str] = {k: v[0] for k, v in _table(_IRREGULAR_NOUNS_TEXT).items()}
_VOWELS = "aeiou"


def _s_ending(word: str) -> str:
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    return word + "s"


def third_person(verb: str) -> str:
    """The third person singular present: go -> goes, carry -> carries, have -> has."""
    lower = verb.lower()
    special = {"be": "is", "have": "has", "do": "does", "go": "goes"}
    if lower in special:
        return special[lower]
    base, prefix = _split_prefix(lower)
    if base in special and prefix:
        return prefix + special[base]
    return _s_ending(lower)


def _split_prefix(verb: str) -> tuple[str, str]:
    """(base, prefix) when ``verb`` is a prefixed irregular verb (withdraw -> draw, with)."""
    for prefix in _VERB_PREFIXES:
        if verb.startswith(prefix) and verb[len(prefix):] in IRREGULAR_VERBS:
            return verb[len(prefix):], prefix
    return verb, ""


def _doubles(verb: str) -> bool:
    if verb in _DOUBLING:
        return True
    if len(verb) < 3 or verb[-1] in "wxy" + _VOWELS:
        return False
    if not (verb[-2] in _VOWELS and verb[-3] not in _VOWELS):
        return False
    vowels = sum(1 for i, ch in enumerate(verb) if ch in _VOWELS and (i == 0 or verb[i - 1] not in _VOWELS))
    return vowels == 1


def past(verb: str) -> tuple[str, str]:
    """(simple past, past participle): take -> (took, taken), occupy -> (occupied, occupied)."""
    lower = verb.lower()
    base, prefix = _split_prefix(lower)
    if base in IRREGULAR_VERBS:
        forms = IRREGULAR_VERBS[base]
        return prefix + forms[0], prefix + forms[1]
    if lower.endswith("e"):
        form = lower + "d"
    elif lower.endswith("y") and len(lower) > 1 and lower[-2] not in _VOWELS:
        form = lower[:-1] + "ied"
    elif _doubles(lower):
        form = lower + lower[-1] + "ed"
    elif lower.endswith("c"):
        form = lower + "ked"
    else:
        form = lower + "ed"
    return form, form


def gerund(verb: str) -> str:
    """The -ing form: take -> taking, stop -> stopping, die -> dying, agree -> agreeing."""
    lower = verb.lower()
    if lower == "be":
        return "being"
    if lower.endswith("ie"):
        return lower[:-2] + "ying"
    if lower.endswith("e") and not lower.endswith(("ee", "ye", "oe")) and len(lower) > 2:
        return lower[:-1] + "ing"
    if lower.endswith("c"):
        return lower + "king"
    if _doubles(lower):
        return lower + lower[-1] + "ing"
    return lower + "ing"


@lru_cache(maxsize=4096)
def verb_forms(verb: str) -> tuple[str, str, str, str, str]:
    """(base, -s, past, participle, -ing) of a verb or phrasal verb ("take in" -> "took in", ...)."""
    head, _, rest = verb.partition(" ")
    tail = " " + rest if rest else ""
    simple, participle = past(head)
    forms = (head.lower(), third_person(head), simple, participle, gerund(head))
    return tuple(_same_case(head, f) + tail for f in forms)  # type: ignore[return-value]


@lru_cache(maxsize=4096)
def noun_forms(noun: str) -> tuple[str, str]:
    """(singular, plural) of a noun or noun phrase, inflecting its last word."""
    head, _, last = noun.rpartition(" ")
    lead = head + " " if head else ""
    return noun, lead + _same_case(last, _plural(last))


def _plural(noun: str) -> str:
    lower = noun.lower()
    if lower in IRREGULAR_NOUNS:
        return IRREGULAR_NOUNS[lower]
    return _s_ending(lower)


def _same_case(model: str, word: str) -> str:
    if model.isupper() and len(model) > 1:
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def inflections(wrong: str, right: str, mode: str) -> dict[str, list[str]]:
    """Every form of ``wrong`` (letter case kept) mapped to the matching forms of ``right``, for ``mode``
    noun/verb/both."""
    pairs: dict[str, list[str]] = {}

    def add(form: str, replacement: str) -> None:
        bucket = pairs.setdefault(form, [])
        if replacement not in bucket:
            bucket.append(replacement)

    add(wrong, right)
    if mode in ("verb", "both"):
        for form, replacement in zip(verb_forms(wrong), verb_forms(right)):
            add(form, replacement)
    if mode in ("noun", "both"):
        for form, replacement in zip(noun_forms(wrong), noun_forms(right)):
            add(form, replacement)
    return pairs


def plural(noun: str) -> str:
    """The plural of a noun or noun phrase: crisis -> crises, city -> cities."""
    return noun_forms(noun)[1]
