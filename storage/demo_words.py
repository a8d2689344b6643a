"""The demo's visible words, one dict per language: a new language is one more entry.

Keys come from ``storage.demo_catalog`` (cities, regions, industries, managers, tags) and
``storage.demo_products``. Example::

    from storage.demo_words import TEXT
    TEXT["ru"]["city"]["kazan"]   # 'Казань'
"""

from __future__ import annotations

from typing import Any

from storage.demo_catalog import INDUSTRIES, TAGS

__all__ = ["COMPANY_ROOTS", "COMPANY_SUFFIXES", "TEXT"]

# Company names: ROOT + SUFFIX under a legal form; the same index is the same company in every
# language (the English spelling also makes the e-mail domain).
COMPANY_ROOTS = {
    "en": "Alfa Vector Stroy Prom Sever Ural Volga Avangard Granit Meridian Orion Titan Kristall Zenit Rubin Almaz Signal Impuls Kedr Sokol Vostok Zapad Tekhno Energo Metall Agro Trans Avto Les Neva".split(),
    "ru": "Альфа Вектор Строй Пром Север Урал Волга Авангард Гранит Меридиан Орион Титан Кристалл Зенит Рубин Алмаз Сигнал Импульс Кедр Сокол Восток Запад Техно Энерго Металл Агро Транс Авто Лес Нева".split(),
}
COMPANY_SUFFIXES = {
    "en": "|-Stroy|-Service|-Trade|-Invest|tekh|-M|-Plus|-Group|-Region|-Montazh|-Snab|-Prom|-Market|-Komplekt".split(
        "|"
    ),
    "ru": "|-Строй|-Сервис|-Трейд|-Инвест|тех|-М|-Плюс|-Групп|-Регион|-Монтаж|-Снаб|-Пром|-Маркет|-Комплект".split(
        "|"
    ),
}

_EN_NOTES = {
    "call": ["Discussed the next order", "Asked about delivery times", "Price list questions"],
    "email": ["Sent the price list", "Sent an invoice", "Answered a question about warranty"],
    "meeting": ["Annual contract review", "Presented the new range"],
    "visit": ["Site visit, showed Super Drill Pro", "Visited the warehouse"],
    "complaint": ["Late delivery", "Defective unit returned", "Wrong items delivered"],
    "quote": ["Quote for a tender", "Quote for a bulk order"],
}
_RU_NOTES = {
    "call": ["Обсудили следующий заказ", "Спрашивали о сроках доставки", "Вопросы по прайсу"],
    "email": ["Отправлен прайс-лист", "Отправлен счёт", "Ответили на вопрос о гарантии"],
    "meeting": ["Ежегодный пересмотр договора", "Презентация нового ассортимента"],
    "visit": ["Выезд на объект, показали Супер дрель Про", "Посетили склад"],
    "complaint": ["Задержка доставки", "Возврат бракованного товара", "Привезли не тот товар"],
    "quote": ["КП для тендера", "КП на оптовую партию"],
}

TEXT: dict[str, dict[str, Any]] = {
    "en": {
        "city": {
            "moscow": "Moscow",
            "spb": "Saint Petersburg",
            "kazan": "Kazan",
            "novosibirsk": "Novosibirsk",
            "yekaterinburg": "Yekaterinburg",
            "nizhny": "Nizhny Novgorod",
            "samara": "Samara",
            "voronezh": "Voronezh",
            "tula": "Tula",
            "khimki": "Khimki",
            "podolsk": "Podolsk",
            "kaliningrad": "Kaliningrad",
            "ufa": "Ufa",
            "perm": "Perm",
            "chelyabinsk": "Chelyabinsk",
            "krasnodar": "Krasnodar",
            "rostov": "Rostov-on-Don",
            "omsk": "Omsk",
            "krasnoyarsk": "Krasnoyarsk",
            "vladivostok": "Vladivostok",
            "almaty": "Almaty",
            "astana": "Astana",
            "minsk": "Minsk",
            "berlin": "Berlin",
        },
        "region": {
            "central": "Central",
            "northwest": "Northwest",
            "volga": "Volga",
            "ural": "Ural",
            "siberia": "Siberia",
            "south": "South",
            "far_east": "Far East",
            "moscow_oblast": "Moscow Oblast",
        },
        "country": {
            "russia": "Russia",
            "kazakhstan": "Kazakhstan",
            "belarus": "Belarus",
            "germany": "Germany",
        },
        "industry": {k: k for k in INDUSTRIES},
        "manager": {
            "ivanov": "Ivan Ivanov",
            "petrova": "Olga Petrova",
            "smirnova": "Anna Smirnova",
            "kuznetsov": "Dmitry Kuznetsov",
            "volkov": "Alexei Volkov",
            "sokolova": "Maria Sokolova",
            "morozov": "Nikolai Morozov",
            "lebedeva": "Tatiana Lebedeva",
            "kozlov": "Pavel Kozlov",
            "sidorov": "Sergei Sidorov",
            "popova": "Elena Popova",
            "novikova": "Natalia Novikova",
        },
        "tag": {t: t for t in TAGS},
        "company": "{name} {form}",
        "legal_forms": ["LLC", "LLC", "LLC", "JSC", "Ltd"],
        "romashka": "Romashka",
        "notes": _EN_NOTES,
        "property": {  # key -> (name, label)
            "employees": ("employees", "Employees"),
            "contract_date": ("contract_date", "Contract date"),
            "dealer": ("dealer", "Dealer"),
        },
        "segments": {
            "drill-buyers": "buyers of Super Drill",
            "bits-offer": "buyers of Drill Bits for Metal",
        },
        "templates": {  # name -> (subject, body): what help's mail examples use
            "winback": (
                "We miss you, {{ name }}",
                "Hello {{ name }},\n\nyour last order with us was on {{ last_purchase }}. "
                "{{ manager }} has picked new offers for {{ city }} and will gladly call you.",
            ),
        },
        "examples": [
            "Moscow buyers of Super Drill over 40k last quarter, manager Ivanov",
            "buyers of Super Drill last month not in segment bits-offer",
            "manufacturing buyers of Super Drill with complaints last month",
            "top 10 Kazan customers by spend this year",
            "rating B or worse spent over 1m last 12 months",
            "vip no purchases in last 90 days",
            "employees over 100 in Volga",
            "spend by city this year",
            "card Romashka",
        ],
    },
    "ru": {
        "city": {
            "moscow": "Москва",
            "spb": "Санкт-Петербург",
            "kazan": "Казань",
            "novosibirsk": "Новосибирск",
            "yekaterinburg": "Екатеринбург",
            "nizhny": "Нижний Новгород",
            "samara": "Самара",
            "voronezh": "Воронеж",
            "tula": "Тула",
            "khimki": "Химки",
            "podolsk": "Подольск",
            "kaliningrad": "Калининград",
            "ufa": "Уфа",
            "perm": "Пермь",
            "chelyabinsk": "Челябинск",
            "krasnodar": "Краснодар",
            "rostov": "Ростов-на-Дону",
            "omsk": "Омск",
            "krasnoyarsk": "Красноярск",
            "vladivostok": "Владивосток",
            "almaty": "Алматы",
            "astana": "Астана",
            "minsk": "Минск",
            "berlin": "Берлин",
        },
        "region": {
            "central": "Центральный",
            "northwest": "Северо-Западный",
            "volga": "Поволжье",
            "ural": "Урал",
            "siberia": "Сибирь",
            "south": "Юг",
            "far_east": "Дальний Восток",
            "moscow_oblast": "Московская область",
        },
        "country": {
            "russia": "Россия",
            "kazakhstan": "Казахстан",
            "belarus": "Беларусь",
            "germany": "Германия",
        },
        "industry": {
            "manufacturing": "производство",
            "construction": "строительство",
            "retail": "розница",
            "agriculture": "сельское хозяйство",
            "logistics": "логистика",
            "energy": "энергетика",
            "mining": "добыча",
            "automotive": "автосервис",
            "wholesale": "оптовая торговля",
        },
        "manager": {
            "ivanov": "Иван Иванов",
            "petrova": "Ольга Петрова",
            "smirnova": "Анна Смирнова",
            "kuznetsov": "Дмитрий Кузнецов",
            "volkov": "Алексей Волков",
            "sokolova": "Мария Соколова",
            "morozov": "Николай Морозов",
            "lebedeva": "Татьяна Лебедева",
            "kozlov": "Павел Козлов",
            "sidorov": "Сергей Сидоров",
            "popova": "Елена Попова",
            "novikova": "Наталья Новикова",
        },
        "tag": {
            "vip": "vip",
            "key-account": "ключевой",
            "newsletter": "рассылка",
            "wholesale": "опт",
            "tender": "тендер",
            "partner": "партнёр",
        },
        "company": "{form} «{name}»",
        "legal_forms": ["ООО", "ООО", "ООО", "АО", "ПАО"],
        "romashka": "Ромашка",
        "notes": _RU_NOTES,
        "property": {
            "employees": ("сотрудники", "Сотрудники"),
            "contract_date": ("дата_договора", "Дата договора"),
            "dealer": ("дилер", "Дилер"),
        },
        "segments": {
            "drill-buyers": "покупатели Супер дрели",
            "bits-offer": "покупатели Свёрл по металлу",
        },
        "templates": {
            "winback": (
                "Мы скучаем, {{ name }}",
                "Здравствуйте, {{ name }}!\n\nВаш последний заказ у нас был {{ last_purchase }}. "
                "{{ manager }} подобрал новые предложения для города {{ city }} и будет рад "
                "позвонить вам.",
            ),
        },
        "examples": [
            "клиенты из Москвы, купившие Супер дрель более чем на 40 тыс. за прошлый квартал, менеджер Иванов",
            "кто купил «Супер дрель», производство, с претензиями за последний месяц",
            "топ 10 клиентов из Казани по выручке в этом году",
            "vip без покупок за последние 90 дней",
            "сотрудников более 100, регион Поволжье",
            "карточка Ромашка",
        ],
    },
}
