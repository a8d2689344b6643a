"""Russian keywords: phrase → (terminal, payload), written in any inflection (every word is
lemmatised with pymorphy3, here and in the query). Adding a synonym is one line.

Besides the phrases: ``RULES`` rewrite token sequences the grammar reads in English order
(``от X до Y`` → between, ``с 01.01.2026 по 31.03.2026``, ``в 2025 году``, ``в 3 квартале 2026``),
``DESCRIBE`` words the echo, ``MESSAGES`` translate error wording (regex → template; a group
named ``kinds`` is read through ``FIELD_WORDS``).
"""

from __future__ import annotations

from query_language.morph import lemma

__all__ = ["PHRASES", "FILLERS", "FIELD_WORDS", "ECHO", "DESCRIBE", "RULES", "MESSAGES",
           "DATE_FORMAT", "normalise_word"]


def normalise_word(word: str) -> str:
    """The lemma, lower case, ``ё`` as ``е`` (Latin words are only lower-cased)."""
    return lemma(word)


_MONTHS = ["январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
           "октябрь", "ноябрь", "декабрь"]
_RFM = {"чемпионы": "champions", "нельзя потерять": "cannot lose them", "лояльные": "loyal",
        "в зоне риска": "at risk", "зона риска": "at risk", "под угрозой": "at risk",
        "потенциально лояльные": "potential loyalists", "требуют внимания": "need attention",
        "перспективные": "promising", "спящие": "hibernating", "потерянные": "lost",
        "ушедшие": "lost"}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_UNITS = {"день": "day", "дней": "day", "дня": "day", "сутки": "day", "неделя": "week",
          "недели": "week", "неделе": "week", "месяц": "month", "месяца": "month",
          "квартал": "quarter", "год": "year", "лет": "year"}


def _all(term: str, payload: object, *words: str) -> dict[str, tuple[str, object]]:
    return {w: (term, payload) for w in words}


PHRASES: dict[str, tuple[str, object]] = {
    # fields (a keyword before a value settles which kind of value it is)
    **_all("FIELD", "city", "город", "в городе", "г."),
    **_all("FIELD", "region", "регион", "в регионе", "область"),
    **_all("FIELD", "country", "страна", "в стране"),
    **_all("FIELD", "industry", "отрасль", "сфера", "из отрасли"),
    **_all("FIELD", "manager", "менеджер", "менеджером является", "менеджер является",
           "ответственный", "ответственный менеджер", "ведёт"),
    **_all("FIELD", "product", "товар", "артикул", "продукт"),
    **_all("FIELD", "category", "категория", "категории товаров", "из категории"),
    **_all("FIELD", "tag", "тег", "с тегом", "метка", "с меткой"),
    **_all("FIELD", "segment", "сегмент", "в сегменте", "из сегмента"),
    **_all("FIELD", "status", "статус", "со статусом"),
    **_all("FIELD", "rating", "рейтинг", "с рейтингом", "оценка"),
    "abc": ("FIELD", "abc"), "xyz": ("FIELD", "xyz"), "класс": ("FIELD", "class"),
    "rfm": ("FIELD", "rfm"), "rfm-сегмент": ("FIELD", "rfm"),
    **_all("NOTAG", None, "без тега", "без метки"),
    # fixed values
    **_all("FIXED", ("status", "active"), "активные", "действующие"),
    **_all("FIXED", ("status", "check"), "на проверке", "проверка"),
    **_all("FIXED", ("status", "archived"), "архивные", "в архиве"),
    **_all("FIXED", ("rating", ""), "без рейтинга", "без оценки"),
    **{w: ("FIXED", ("rfm", v)) for w, v in _RFM.items()},
    **_all("ORDER_MOD", "better", "и выше", "или выше", "и лучше", "или лучше"),
    **_all("ORDER_MOD", "worse", "и ниже", "или ниже", "и хуже", "или хуже"),
    **_all("STARS", None, "звезды", "звезда", "звёзд"),
    # places and periods ("в" and "за" both introduce a period or a place)
    "в": ("IN", "at"), "во": ("IN", "at"), "за": ("IN", None), "в течение": ("IN", None),
    "из": ("FROM", None),
    # purchases and spend ("покупатели" alone only means customers)
    **_all("BOUGHT", None, "купившие", "купили", "купил", "кто купил", "покупали", "покупал",
           "приобрели", "приобретали", "заказывали"),
    **_all("BOUGHT", "soft", "покупатели", "покупатель"),
    **_all("SPEND", None, "потратили", "потратившие", "тратили", "выручка", "с выручкой",
           "оборот", "сумма покупок"),
    **_all("ORDERS", None, "заказов", "заказа", "покупок", "покупки", "раз"),
    **_all("NO_PURCHASES", None, "без покупок", "без заказов", "ничего не покупали"),
    **_all("INACTIVE", None, "неактивные", "неактивны"),
    **_all("LAST_PURCHASE", None, "последняя покупка", "последний заказ", "последняя покупка была"),
    **_all("CREATED", None, "новые", "созданные", "создан", "добавленные", "заведённые"),
    # comparisons ("от"/"до" become between, since, before by RULES)
    **_all("GT", None, "более", "больше", "свыше", ">"),
    **_all("GE", None, "не менее", "не меньше", "от", "минимум", "как минимум", "хотя бы", ">=", "≥"),
    **_all("LT", None, "менее", "меньше", "<"),
    **_all("LE", None, "не более", "не больше", "до", "максимум", "<=", "≤"),
    **_all("EQ", None, "=", "равно", "равен"),
    "между": ("BETWEEN", None),
    "и": ("AND", None), "а также": ("AND", None), "или": ("OR", None), "либо": ("OR", None),
    **_all("NOT", None, "не", "кроме", "за исключением", "исключая"),
    **_all("MULT", 1_000, "тысяча", "тыс"), **_all("MULT", 1_000_000, "миллион", "млн"),
    **_all("MULT", 1_000_000_000, "миллиард", "млрд"),
    # interactions
    **_all("INTERACTION", "complaint", "претензии", "с претензиями", "жалобы", "с жалобами",
           "жаловались", "обращались с претензиями"),
    **_all("INTERACTION", "call", "звонки", "звонили"),
    **_all("INTERACTION", "meeting", "встречи", "встречались"),
    **_all("INTERACTION", "visit", "визиты", "посещали"),
    **_all("INTERACTION", "email", "письма", "писали"),
    **_all("INTERACTION", None, "контактировали", "контакты", "обращались", "взаимодействия"),
    **_all("NOT_CONTACTED", None, "без контактов", "не контактировали", "нет контактов",
           "без взаимодействий"),
    # output forms
    **_all("COUNT", None, "сколько", "количество", "число"),
    **_all("LIST", None, "список", "покажи", "выведи", "найди", "перечисли"),
    "топ": ("TOP", None), **_all("CARD", None, "карточка", "карточку"), "по": ("BY", None),
    # periods
    "сегодня": ("DAYREF", 0), "вчера": ("DAYREF", -1),
    **_all("THIS", None, "этот", "этом", "этой", "эту", "текущий", "текущем", "текущей"),
    **_all("LAST", None, "прошлый", "прошлом", "прошлой", "прошедший", "последний",
           "последние", "последнюю", "предыдущий", "предыдущем"),
    **{w: ("UNIT", u) for w, u in _UNITS.items()},
    **_all("YTD", None, "с начала года", "с начала этого года"),
    **{m: ("MONTHNAME", i + 1) for i, m in enumerate(_MONTHS)},
    **{f"{r} квартал": ("QUARTERNAME", n) for r, n in _ROMAN.items()},
    **_all("SINCE", None, "с", "начиная с", "со"),
    "после": ("AFTER", None), "ранее": ("BEFORE", None), "раньше": ("BEFORE", None),
}

FILLERS = ["клиенты", "клиент", "контрагенты", "компании", "кто", "которые", "которых", "у",
           "является", "были", "был", "была", "чем", "на", "все", "всех", "мне", "пожалуйста",
           "для", "среди", "их", "ли", "же", "что", "сумму", "общую",
           "руб", "рублей", "р", "₽", "$", "€", "rub", "eur", "usd", "ничего", "указанный", "период",
           "-м", "-й", "-го", "-ем", "-ом", "-е"]  # ordinal endings: в 3-м квартале 2026

# The keyword that names each field: for choices ("город Москва") and the echo ("город = Москва").
FIELD_WORDS = {"city": "город", "region": "регион", "country": "страна", "industry": "отрасль",
               "manager": "менеджер", "product": "товар", "category": "категория", "tag": "тег",
               "segment": "сегмент", "status": "статус", "rating": "рейтинг", "abc": "abc",
               "xyz": "xyz", "rfm": "rfm", "customer": "карточка", "property": "свойство",
               "spend": "выручка", "orders": "заказы", "last_purchase": "последняя покупка",
               "count": "количество", "location": "место", "bought": "товар"}

ECHO: dict[str, str] = {}

DATE_FORMAT = "%d.%m.%Y"

# The echo, in Russian (keys as in describe._W["en"]; missing keys fall back to English).
DESCRIBE = {
    "customers": "клиенты", "bought": "купили", "anything": "что угодно", "bought_nothing": "ничего не покупали", "for": "на сумму",
    "in": "за", "orders": "заказов", "spend": "выручка", "not": "не", "or": "или",
    "lapsed": "покупали до {d}, но не покупали {p}", "last_purchase": "последняя покупка",
    "before": "до", "after": "после", "created": "созданы", "unrated": "без рейтинга",
    "tag": "тег", "without_tag": "без тега", "segment": "в сегменте", "contacted": "контакты", "not_contacted": "без контактов",
    "customer": "клиент", "top": "топ {n} по {by}", "list": "список", "card": "карточка",
    "by": "{measure} по {key}", "count": "количество", "yes": "да", "no": "нет",
    "last_purchase_by": "последней покупке", "everyone": "все", "with": "—",
    "spend_by": "выручке", "orders_of": "товара", "orders_by": "заказам", "measure_spend": "выручка",
    "period_day": "за {a}", "period_span": "с {a} по {b}", "period_from": "с {a}", "period_to": "по {b}",
    "gt": "более {v}", "ge": "не менее {v}", "lt": "менее {v}", "le": "не более {v}", "eq": "= {v}",
    "between": "от {v} до {w}",
    "kind_complaint": "претензии", "kind_call": "звонки", "kind_meeting": "встречи",
    "kind_visit": "визиты", "kind_email": "письма",
    "status_active": "активные", "status_check": "на проверке", "status_archived": "архивные",
    "rfm_champions": "чемпионы", "rfm_loyal": "лояльные", "rfm_at risk": "в зоне риска",
    "rfm_hibernating": "спящие", "rfm_new": "новые", "rfm_lost": "потерянные",
    "rfm_promising": "перспективные", "rfm_need attention": "требуют внимания",
    "rfm_potential loyalists": "потенциально лояльные", "rfm_cannot lose them": "нельзя потерять",
    "group_city": "городам", "group_region": "регионам", "group_country": "странам",
    "group_industry": "отраслям", "group_manager": "менеджерам", "group_rating": "рейтингу",
    "err_did_you_mean": "возможно, вы имели в виду", "err_say": "уточните:",
    "err_expected": "ожидалось", "err_at": "в позиции",
    "group_status": "статусам", "group_abc": "abc", "group_xyz": "xyz", "group_rfm": "rfm",
}

# Token rewrites, tried in order at each position (see lexicon.Rule).
RULES = [
    ("GE DATE LE DATE", "FROM DATE TO DATE"),  # от 01.01.2026 до 31.03.2026
    ("SINCE DATE LE DATE", "FROM DATE TO DATE"),  # с 01.01.2026 до 31.03.2026
    ("SINCE DATE BY DATE", "FROM DATE TO DATE"),  # с 01.01.2026 по 31.03.2026
    ("GE NUMBER LE NUMBER", "BETWEEN NUMBER AND NUMBER"),  # от 10 тыс. до 50 тыс.
    ("GE DATE", "SINCE DATE"), ("LE DATE", "BEFORE DATE"),  # до 01.03.2026
    ("IN NUMBER=year UNIT=year", "= = -"),  # в 2025 году
    ("NUMBER=quarter UNIT=quarter NUMBER=year", "QUARTERNAME - ="),  # в 3 квартале 2026
    ("IN=at NUMBER=quarter UNIT=quarter", "= QUARTERNAME -"),  # в 3 квартале
    ("NOT BOUGHT NUMBER|IN|LAST", "- NO_PURCHASES ="),  # не покупали 6 месяцев (lapsed) …
    ("SINCE !DATE", "- ="),  # "с" that starts no date is a preposition
    ("IN BOUGHT|SPEND|COMMA|AND", "- ="),  # "за указанный период купили …": no period given
]

MESSAGES = [
    (r"^I don't know '(?P<w>.*)'$", "не знаю «{w}»"),
    (r"^the query ends too early$", "запрос оборвался раньше времени"),
    (r"^I did not expect '(?P<w>.*)' here$", "не ожидал здесь «{w}»"),
    (r"^'(?P<w>.*)' could mean (?P<k>.*); which one\?$", "«{w}» может означать: {k}; что именно?"),
    (r"^'(?P<w>.*)' is not a number$", "«{w}» — не число"),
    (r"^'(?P<w>.*)' is not a date$", "«{w}» — не дата"),
    (r"^'(?P<w>.*)' is not a month$", "«{w}» — не месяц"),
    (r"^I could not understand this query \((?P<e>.*)\)$", "не удалось понять запрос ({e})"),
    (r"^the query is nested too deeply$", "слишком много вложенных скобок"),
    (r"^'(?P<w>.*)' is not a rating$", "«{w}» — не рейтинг"),
    (r"^'(?P<w>.*)' is not an (?P<f>\w+) class$", "«{w}» — не класс {f}"),
    (r"^'(?P<w>.*)' is a (?P<kinds>.*), not a (?P<kinds2>.*)$", "«{w}» — это {kinds}, а не {kinds2}"),
    (r"^an amount must be a number$", "сумма должна быть числом"),
    (r"^'(?P<w>.*)' needs an amount$", "после «{w}» нужна сумма"),
    (r"^e\.g\. spent over 40k, or spend by city$",
     "например, «потратили более 40 тыс.» или «выручка по городам»"),
    (r"^what about (?P<p>.*)\?$", "какое условие для «{p}»?"),
    (r"^(?P<p>.*) is yes or no$", "«{p}» — да или нет"),
    (r"^(?P<p>.*) is a number$", "«{p}» — число"),
    (r"^(?P<p>.*) is a date$", "«{p}» — дата"),
    (r"^since when\?$", "с какого времени?"),
    (r"^bought what\?$", "что купили?"), (r"^a product or category$", "товар или категория"),
    (r"^a lapse needs a start$", "нужен срок, например «за последние 90 дней»"),
    (r"^'(?P<w>.*)' must come at the top level$", "«{w}» должно стоять вне скобок и отрицаний"),
    (r"^'=' needs a property before it$", "перед «=» нужно свойство"),
    (r"^I cannot group by (?P<kinds>.*)$", "не умею группировать по «{kinds}»"),
    (r"^(?P<y>-?\d+) is not a year I can use$", "{y} — неподходящий год"),
    (r"^a span must be at least 1$", "срок должен быть не меньше 1"),
    (r"^(?P<n>.*) is too long a span$", "{n} — слишком длинный срок"),
    (r"^the period ends before it starts$", "период заканчивается раньше, чем начинается"),
    (r"^segment '(?P<s>.*)' refers to itself$", "сегмент «{s}» ссылается сам на себя"),
    (r"^segment '(?P<s>.*)' has a query I cannot read \((?P<e>.*)\)$",
     "не могу прочитать запрос сегмента «{s}» ({e})"),
    # what was expected
    (r"^a value$", "значение"), (r"^a number$", "число"), (r"^a date$", "дата"),
    (r"^the end of the query$", "конец запроса"), (r"^a condition$", "условие"),
    (r"^a known value or keyword$", "известное значение или ключевое слово"),
    (r"^a number such as .*$", "число, например 40000, 40 000, 40 тыс. или 1,5 млн"),
    (r"^a date as .*$", "дата вида ДД.ММ.ГГГГ, например 01.03.2026"),
    (r"^a month as .*$", "месяц, например «в марте 2026»"),
    (r"^A, B or C \(A = 3 stars\)$", "A, B или C (A = 3 звезды)"),
    (r"^A, B or C$", "A, B или C"), (r"^X, Y or Z$", "X, Y или Z"),
    (r"^e\.g\. AX, BY, CZ$", "например AX, BY, CZ"),
    (r"^an RFM segment such as .*$", "RFM-сегмент, например «чемпионы» или «в зоне риска»"),
    (r"^active, check or archived$", "активные, на проверке или архивные"),
    (r"^a period, e\.g\. .*$", "период, например «за последние 90 дней» или «до 01.01.2026»"),
    (r"^e\.g\. last (?P<n>\d+) days$", "например, «за последние {n} дней»"),
    (r"^e\.g\. channel = online$", "например, канал = сайт"),
    (r"^fewer parentheses$", "меньше скобок"),
    (r"^over, under, .*$", "более, менее, не менее, не более, = или от … до …, затем значение"),
    (r"^yes$", "да"), (r"^no$", "нет"),
    (r"^a year such as 2025$", "год, например 2025"),
    (r"^the earlier date first$", "сначала более раннюю дату"),
    (r"^a simpler query; .*$", "запрос попроще; пожалуйста, сообщите о нём"),
    (r"^a segment whose query .*$", "сегмент, запрос которого не ссылается на него самого"),
    (r"^a span of at most .*$", "срок не больше нескольких сотен лет"),
    (r"^a (?P<kinds>[a-z_]+)$", "{kinds}"),
]
