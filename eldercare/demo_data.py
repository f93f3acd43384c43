"""The demo city: staff, families and elders of 遂宁市 for `eldercare demo`.

Pure data and one pure function (no I/O, no database, no clock): the loader passes
``today`` so that ages derived from the ID numbers come out as intended on any day.
Region codes and centroids match ``eldercare/geo/data/regions.csv``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

DEMO_PASSWORD = "Demo-pass-2026"

STAFF: list[dict] = [
    {"phone": "13900000001", "name": "系统管理员", "role": "admin", "region_code": None},
    {"phone": "13900000002", "name": "王建国", "role": "bureau_officer", "region_code": "510900"},
    {"phone": "13900000003", "name": "李梅", "role": "community_staff", "region_code": "510903"},
    {"phone": "13900000004", "name": "张强", "role": "community_staff", "region_code": "510904"},
]

# The resident account is an elder with their own phone (何正清 in demo_elders).
FAMILIES: list[dict] = [
    {"phone": "13700000001", "name": "刘芳", "role": "family", "region_code": None},
    {"phone": "13700000002", "name": "陈伟", "role": "family", "region_code": None},
    {"phone": "13700000003", "name": "张丽", "role": "family", "region_code": None},
    {"phone": "13700000004", "name": "王磊", "role": "family", "region_code": None},
    {"phone": "13700000005", "name": "周桂芝", "role": "family", "region_code": None},
    {"phone": "13700000006", "name": "何正清", "role": "resident", "region_code": None},
]

# Where elders live: region code -> (address prefix, lat, lon, kind of address).
# "flat" is a numbered block in a subdistrict; "house" a street number in a town;
# "village" a village below the gazetteer, so the elder carries the district code.
_PLACES: dict[str, tuple[str, float, float, str]] = {
    "510903001001": ("船山区南津路街道滨江社区", 30.5125, 105.5905, "flat"),
    "510903001002": ("船山区南津路街道南津社区", 30.5185, 105.5840, "flat"),
    "510903002001": ("船山区高升街街道高升社区", 30.5255, 105.5795, "flat"),
    "510903002002": ("船山区高升街街道天宫社区", 30.5220, 105.5750, "flat"),
    "510903003001": ("船山区凯旋路街道凯旋社区", 30.5320, 105.5640, "flat"),
    "510903003002": ("船山区凯旋路街道西山社区", 30.5280, 105.5600, "flat"),
    "510904001001": ("安居区柔刚街道柔刚社区", 30.3585, 105.4595, "flat"),
    "510904001002": ("安居区柔刚街道玉丰社区", 30.3550, 105.4620, "flat"),
    "510904002001": ("安居区凤凰街道凤凰社区", 30.3470, 105.4670, "flat"),
    "510904002002": ("安居区凤凰街道文星社区", 30.3445, 105.4630, "flat"),
    "510904100001": ("安居区安居镇琼江社区", 30.3635, 105.4475, "house"),
    "510921100001": ("蓬溪县赤城镇鹫峰社区", 30.7600, 105.7140, "house"),
    "510921100002": ("蓬溪县赤城镇上河社区", 30.7555, 105.7095, "house"),
    "510921101001": ("蓬溪县新会镇新会社区", 30.7435, 105.6915, "house"),
    "510921102001": ("蓬溪县常乐镇常乐社区", 30.7815, 105.7335, "house"),
    "510921": ("蓬溪县赤城镇石盘村", 30.7575, 105.7074, "village"),
    "510923100001": ("大英县蓬莱镇蓬莱社区", 30.5965, 105.2420, "house"),
    "510923100002": ("大英县蓬莱镇郪江社区", 30.5920, 105.2375, "house"),
    "510923101001": ("大英县隆盛镇隆盛社区", 30.6160, 105.2615, "house"),
    "510923102001": ("大英县卓筒井镇卓筒井社区", 30.5715, 105.2215, "house"),
    "510981001001": ("射洪市太和街道太和社区", 30.8735, 105.3830, "flat"),
    "510981001002": ("射洪市太和街道美丰社区", 30.8695, 105.3815, "flat"),
    "510981002001": ("射洪市平安街道平安社区", 30.8585, 105.3965, "flat"),
    "510981003001": ("射洪市子昂街道子昂社区", 30.8835, 105.4000, "flat"),
    "510981003002": ("射洪市子昂街道涪江社区", 30.8790, 105.4035, "flat"),
    "510981": ("射洪市太和街道红星村", 30.8710, 105.3886, "village"),
}

_ROADS = ("正街", "新街", "滨河路", "建设路", "人民路", "河街", "文化路", "中心街")

# One elder a line: name, sex, age, days since the last birthday (0-364), region code,
# living situation, needs ("-" for none), has a phone (y/n), family account (1-based
# index into FAMILIES, or "-"), relationship to it. Days since the last birthday near
# 365 mean a birthday soon: 89-year-olds about to turn 90 and a 99-year-old about to
# turn 100 exercise the allowance age bands; an 80-year-old who just turned 80 is newly
# eligible.
_ELDER_TABLE = """
# 船山区
王桂兰  F   86   40  510903001001  empty_nest   mobility,meals                   y  3  child
张德明  M   88  200  510903001001  empty_nest   hearing                          y  3  child
李淑珍  F   79  355  510903001002  alone        housekeeping                     y  -  -
刘志成  M   74  120  510903001002  with_family  diabetes                         y  1  child
何秀芳  F   72   15  510903002001  with_family  vision,housekeeping              y  1  child
何正清  M   66   90  510903002001  with_family  -                                y  -  -
陈桂芳  F   93  300  510903002002  alone        mobility,bathing,meals           n  -  -
杨树林  M   81   60  510903002002  empty_nest   hearing,mobility                 y  -  -
赵凤英  F   89  350  510903003001  alone        dementia_early,meals             y  -  -
黄素华  F  101  180  510903003001  with_family  mobility,hearing,bathing         n  3  grandchild
周永福  M   68  250  510903003002  empty_nest   diabetes                         y  -  -
吴玉珍  F   84    5  510903003002  empty_nest   vision,meals                     y  4  child
# 安居区
王建华  M   87  100  510904001001  empty_nest   hearing,diabetes                 y  4  child
王福生  M   95   30  510904001001  with_family  mobility,bathing                 n  4  grandchild
徐淑芬  F   77  210  510904001002  alone        housekeeping                     y  -  -
孙桂英  F   82  330  510904001002  empty_nest   mobility,meals                   y  -  -
李国强  M   72  140  510904002001  with_family  mobility                         y  5  spouse
胡秀兰  F   91   70  510904002001  alone        hearing,meals,housekeeping       y  -  -
郭春生  M   65   20  510904002002  with_family  diabetes                         y  -  -
朱玉梅  F   80   10  510904002002  alone        vision                           y  -  -
蒋文华  M   76  260  510904100001  empty_nest   hearing                          y  -  -
邓翠华  F   83  160  510904100001  empty_nest   bathing,housekeeping             y  -  -
# 蓬溪县
陈光明  M   78   80  510921100001  empty_nest   diabetes,meals                   y  2  child
罗桂香  F   75  190  510921100001  empty_nest   housekeeping                     y  2  child
陈树林  M   96  230  510921100002  with_family  mobility,hearing,vision          n  2  grandchild
唐远志  M   70   45  510921101001  with_family  -                                y  -  -
曾素芬  F   85  320  510921102001  alone        mobility,meals                   y  -  -
谢金山  M   89  362  510921        empty_nest   hearing,housekeeping             n  -  -
# 大英县
冯桂珍  F   73  110  510923100001  with_family  vision                           y  -  -
蒋德才  M   82  280  510923100001  alone        meals,housekeeping               y  -  -
唐玉英  F   92  150  510923100002  with_family  dementia_early,bathing           y  -  -
罗世荣  M   67  220  510923101001  empty_nest   diabetes                         y  -  -
周翠兰  F   80  345  510923101001  alone        mobility                         y  -  -
邓志华  M   62  130  510923102001  with_family  -                                y  -  -
# 射洪市
张秀英  F   99  340  510981001001  with_family  mobility,hearing,bathing         n  -  -
何德贵  M   84   55  510981001002  empty_nest   hearing                          y  -  -
杨秀珍  F   71  270  510981002001  alone        housekeeping                     y  -  -
曾光荣  M   90   12  510981003001  empty_nest   mobility,meals                   y  -  -
刘玉兰  F   86  240  510981003002  alone        vision,meals,housekeeping        y  -  -
谢翠英  F   69  170  510981        with_family  -                                y  -  -
"""

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARACTERS = "10X98765432"

_MOBILE_PREFIXES = (
    "130", "131", "133", "135", "136", "138", "139", "150", "151", "152",
    "155", "158", "159", "177", "180", "182", "183", "185", "187", "189", "199",
)  # fmt: skip

_SEED = 510900


def demo_elders(today: date) -> list[dict]:
    """The demo elders, with ages (read from their ID numbers) as listed on ``today``.

    Everything except the birth dates is the same on every day; the same ``today``
    always gives the same list.
    """
    rng = random.Random(_SEED)
    taken_phones = {account["phone"] for account in STAFF + FAMILIES}
    elders = []
    for index, row in enumerate(_elder_rows()):
        name, sex, age, days_since, region, living, needs, has_phone, family, relation = row
        prefix, lat, lon, kind = _PLACES[region]
        birth = _birth_date(today, int(age), int(days_since))
        parity = rng.choice("13579" if sex == "M" else "02468")  # 17th digit: odd is male
        sequence = f"{(11 + 2 * index) % 100:02d}{parity}"
        phone = _mobile_phone(rng, taken_phones)
        if name == "何正清":  # the demo resident signs in with the phone on their record
            phone = "13700000006"
        elders.append(
            {
                "name": name,
                "id_number": _id_number(region[:6], birth, sequence),
                "phone": phone if has_phone == "y" else None,
                "address": prefix + _address_tail(rng, kind),
                "region_code": region,
                "lat": round(lat + rng.uniform(-0.018, 0.018), 6),
                "lon": round(lon + rng.uniform(-0.02, 0.02), 6),
                "living_situation": living,
                "needs": [] if needs == "-" else needs.split(","),
                "family_phone": None if family == "-" else FAMILIES[int(family) - 1]["phone"],
                "relationship": None if relation == "-" else relation,
            }
        )
    return elders


def _elder_rows() -> list[list[str]]:
    lines = (line.split() for line in _ELDER_TABLE.splitlines())
    return [fields for fields in lines if fields and not fields[0].startswith("#")]


def _birth_date(today: date, age: int, days_since_birthday: int) -> date:
    """Born ``days_since_birthday`` (0-364) days before the day ``age`` years before today.

    So the age on ``today`` is exactly ``age``; 29 February becomes 1 March.
    """
    day = min(today.day, 28) if today.month == 2 else today.day
    anniversary = date(today.year - age, today.month, day)
    birth = anniversary - timedelta(days=days_since_birthday)
    if (birth.month, birth.day) == (2, 29):
        birth += timedelta(days=1)
    return birth


def _id_number(district: str, birth: date, sequence: str) -> str:
    first17 = f"{district}{birth:%Y%m%d}{sequence}"
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return first17 + _ID_CHECK_CHARACTERS[total % 11]


def _mobile_phone(rng: random.Random, taken: set[str]) -> str:
    while True:
        phone = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in taken:
            taken.add(phone)
            return phone


def _address_tail(rng: random.Random, kind: str) -> str:
    if kind == "flat":
        block, unit = rng.randint(1, 28), rng.randint(1, 4)
        floor, door = rng.randint(1, 7), rng.randint(1, 4)
        return f" {block} 栋 {unit} 单元 {floor}0{door}"
    if kind == "house":
        return f"{rng.choice(_ROADS)} {rng.randint(1, 188)} 号"
    return f" {rng.randint(1, 9)} 组 {rng.randint(1, 60)} 号"
