"""The demo's product catalogue: a tools distributor's ~60 products, as data.

Each row is language-neutral (SKU, category key, price in roubles, popularity, a typical quantity
per order line) with the product's name in every demo language. Example::

    from storage.demo_products import PRODUCTS
    PRODUCTS[0].names["en"]   # 'Super Drill'
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "Product",
    "PRODUCTS",
    "CATEGORY_NAMES",
    "DRILL_BIT_SKUS",
    "SUPER_DRILL",
    "SUPER_DRILL_PRO",
]


class Product(NamedTuple):
    sku: str
    category: str  # a key of CATEGORY_NAMES
    price: float  # roubles, before the customer's discount
    popularity: float  # relative weight of appearing on an order line
    quantity: float  # typical quantity on one line of a small customer's order
    names: dict[str, str]


def _p(
    sku: str, category: str, price: float, popularity: float, quantity: float, en: str, ru: str
) -> Product:
    return Product(sku, category, price, popularity, quantity, {"en": en, "ru": ru})


SUPER_DRILL = "SD-100"
SUPER_DRILL_PRO = "SD-200"
DRILL_BIT_SKUS = ("DB-M19", "DB-C08", "DB-W10")

CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "en": {
        "power_tools": "power tools",
        "consumables": "consumables",
        "hand_tools": "hand tools",
        "measuring": "measuring tools",
        "ladders": "ladders",
        "safety": "safety gear",
        "fasteners": "fasteners",
        "welding": "welding",
        "garden": "garden equipment",
        "storage": "tool storage",
    },
    "ru": {
        "power_tools": "электроинструмент",
        "consumables": "расходные материалы",
        "hand_tools": "ручной инструмент",
        "measuring": "измерительный инструмент",
        "ladders": "лестницы",
        "safety": "средства защиты",
        "fasteners": "крепёж",
        "welding": "сварка",
        "garden": "садовая техника",
        "storage": "хранение инструмента",
    },
}

PRODUCTS: list[Product] = [
    _p(SUPER_DRILL, "power_tools", 12000, 30, 2, "Super Drill", "Супер дрель"),
    _p(SUPER_DRILL_PRO, "power_tools", 18500, 14, 2, "Super Drill Pro", "Супер дрель Про"),
    _p("HD-300", "power_tools", 9800, 8, 1, "Hammer Drill", "Ударная дрель"),
    _p("CS-180", "power_tools", 7400, 12, 2, "Cordless Screwdriver", "Аккумуляторный шуруповёрт"),
    _p("ID-200", "power_tools", 11200, 5, 1, "Impact Driver", "Ударный гайковёрт"),
    _p("RH-260", "power_tools", 16900, 7, 1, "Rotary Hammer", "Перфоратор"),
    _p("AG-125", "power_tools", 6900, 16, 2, "Angle Grinder", "Угловая шлифмашина"),
    _p("AG-230", "power_tools", 13400, 6, 1, "Angle Grinder Pro", "Угловая шлифмашина Про"),
    _p("JS-650", "power_tools", 6200, 6, 1, "Jigsaw", "Электролобзик"),
    _p("CS-190", "power_tools", 10900, 5, 1, "Circular Saw", "Циркулярная пила"),
    _p("RS-900", "power_tools", 12800, 3, 1, "Reciprocating Saw", "Сабельная пила"),
    _p("HG-2000", "power_tools", 3400, 4, 1, "Heat Gun", "Строительный фен"),
    _p("OS-125", "power_tools", 5600, 4, 1, "Orbital Sander", "Орбитальная шлифмашина"),
    _p("BS-75", "power_tools", 7900, 3, 1, "Belt Sander", "Ленточная шлифмашина"),
    _p("EP-82", "power_tools", 8300, 2, 1, "Electric Planer", "Электрорубанок"),
    _p("BP-18", "power_tools", 4900, 9, 3, "Battery Pack 18V", "Аккумулятор 18 В"),
    _p("FC-18", "power_tools", 3200, 5, 2, "Fast Charger 18V", "Зарядное устройство 18 В"),
    _p("DB-M19", "consumables", 1200, 25, 6, "Drill Bits for Metal", "Свёрла по металлу"),
    _p("DB-C08", "consumables", 1450, 16, 5, "Drill Bits for Concrete", "Свёрла по бетону"),
    _p("DB-W10", "consumables", 980, 10, 5, "Drill Bits for Wood", "Свёрла по дереву"),
    _p("CD-125", "consumables", 650, 20, 10, "Cutting Discs 125 mm", "Отрезные круги 125 мм"),
    _p("GD-125", "consumables", 780, 12, 8, "Grinding Discs 125 mm", "Шлифовальные круги 125 мм"),
    _p("SB-J5", "consumables", 540, 8, 6, "Jigsaw Blades", "Пилки для лобзика"),
    _p("SP-40", "consumables", 420, 8, 10, "Sanding Paper Assortment", "Набор наждачной бумаги"),
    _p(
        "CB-190",
        "consumables",
        1900,
        5,
        3,
        "Circular Saw Blade 190 mm",
        "Диск для циркулярной пилы 190 мм",
    ),
    _p("HM-500", "hand_tools", 890, 8, 4, "Claw Hammer", "Молоток-гвоздодёр"),
    _p("SS-12", "hand_tools", 1350, 8, 3, "Screwdriver Set", "Набор отвёрток"),
    _p("WS-14", "hand_tools", 3900, 5, 2, "Combination Wrench Set", "Набор комбинированных ключей"),
    _p("SK-94", "hand_tools", 6500, 4, 1, "Socket Set", "Набор головок"),
    _p("PL-3", "hand_tools", 1700, 5, 2, "Pliers Set", "Набор пассатижей"),
    _p("UK-18", "hand_tools", 350, 9, 10, "Utility Knife", "Строительный нож"),
    _p("HS-300", "hand_tools", 780, 4, 3, "Hacksaw", "Ножовка по металлу"),
    _p("TM-5", "measuring", 450, 12, 8, "Tape Measure 5 m", "Рулетка 5 м"),
    _p("LL-360", "measuring", 14500, 4, 1, "Laser Level", "Лазерный уровень"),
    _p("SL-60", "measuring", 1100, 6, 3, "Spirit Level 60 cm", "Строительный уровень 60 см"),
    _p("LD-50", "measuring", 5200, 4, 1, "Laser Distance Meter", "Лазерный дальномер"),
    _p("DC-150", "measuring", 2300, 3, 1, "Digital Caliper", "Цифровой штангенциркуль"),
    _p("LS-3", "ladders", 3900, 6, 2, "Step Ladder 3 Steps", "Стремянка 3 ступени"),
    _p("LS-6", "ladders", 6700, 5, 1, "Step Ladder 6 Steps", "Стремянка 6 ступеней"),
    _p("LE-210", "ladders", 11900, 3, 1, "Extension Ladder", "Выдвижная лестница"),
    _p("LP-4", "ladders", 15800, 2, 1, "Platform Ladder", "Лестница с платформой"),
    _p("ST-5", "ladders", 48000, 1, 1, "Scaffold Tower", "Вышка-тура"),
    _p("SG-01", "safety", 290, 10, 15, "Safety Goggles", "Защитные очки"),
    _p("WG-10", "safety", 690, 14, 12, "Work Gloves (10 pairs)", "Рабочие перчатки (10 пар)"),
    _p("HH-01", "safety", 540, 8, 10, "Hard Hat", "Строительная каска"),
    _p("ED-27", "safety", 890, 4, 5, "Ear Defenders", "Защитные наушники"),
    _p("RF-10", "safety", 1500, 5, 5, "Respirator FFP2 (10 pcs)", "Респиратор FFP2 (10 шт.)"),
    _p("HV-01", "safety", 320, 7, 15, "Hi-Vis Vest", "Сигнальный жилет"),
    _p("SB-S3", "safety", 4300, 4, 4, "Safety Boots S3", "Защитные ботинки S3"),
    _p("FS-W1", "fasteners", 890, 10, 8, "Wood Screws (1000 pcs)", "Саморезы по дереву (1000 шт.)"),
    _p("FS-M5", "fasteners", 1100, 7, 6, "Metal Screws (500 pcs)", "Саморезы по металлу (500 шт.)"),
    _p("FA-200", "fasteners", 760, 7, 6, "Wall Anchors (200 pcs)", "Дюбели (200 шт.)"),
    _p("FN-5", "fasteners", 1250, 5, 5, "Construction Nails 5 kg", "Гвозди строительные 5 кг"),
    _p("FB-K", "fasteners", 1400, 3, 3, "Bolt and Nut Kit", "Набор болтов и гаек"),
    _p("WI-200", "welding", 18900, 3, 1, "Welding Inverter", "Сварочный инвертор"),
    _p("WE-3", "welding", 1650, 5, 5, "Welding Electrodes 3 mm", "Электроды 3 мм"),
    _p("WH-AD", "welding", 4600, 2, 2, "Auto-Darkening Welding Helmet", "Сварочная маска хамелеон"),
    _p("LM-46", "garden", 24900, 2, 1, "Petrol Lawn Mower", "Бензиновая газонокосилка"),
    _p("CH-45", "garden", 15900, 3, 1, "Chainsaw", "Бензопила"),
    _p("GT-1", "garden", 8400, 3, 1, "Grass Trimmer", "Триммер"),
    _p("PW-140", "garden", 13900, 2, 1, "Pressure Washer", "Мойка высокого давления"),
    _p("TB-22", "storage", 1900, 4, 2, 'Tool Box 22"', 'Ящик для инструментов 22"'),
    _p("TC-7", "storage", 32000, 1, 1, "Tool Cabinet 7 Drawers", "Инструментальный шкаф"),
    _p("RB-1", "storage", 4800, 2, 1, "Rolling Tool Bag", "Сумка для инструментов на колёсах"),
]
