"""The demo city's care providers: organisations, caregivers, weekly hours, offerings, accounts.

Idempotent (an organisation whose licence is already registered is left as it is) and
built through the same service functions people use. Run after the accounts and catalog
demos: offerings are priced from the caps the catalog's menus set.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from eldercare import demo_data
from eldercare.accounts import service as accounts
from eldercare.accounts.service import local_today
from eldercare.actor import Actor
from eldercare.catalog import service as catalog
from eldercare.errors import Conflict
from eldercare.providers import service
from eldercare.providers.caregivers import CaregiverInput, CertificateInput
from eldercare.providers.service import ProviderInput
from eldercare.providers.tables import Provider

# Skill sets by kind of organisation.
GENERAL = ("daily-care", "meals", "housekeeping", "companionship", "bathing")
NURSING = ("health", "rehab", "daily-care")
HOUSEKEEPING = ("housekeeping", "meals", "haircut")
BATHING = ("bathing", "daily-care", "haircut")
MEALS = ("meals", "housekeeping", "companionship")

# name, licence, region, lat, lon, radius km, districts served in full, skills, caregivers, status
# fmt: off
PROVIDERS: list[tuple[Any, ...]] = [
    ("遂宁市船山区康乐居家养老服务中心", "91510903MA62KL0001", "510903",
     30.5160, 105.5870, 10, (), GENERAL, 8, "approved"),
    ("遂宁市船山区颐和护理站", "91510903MA62YH0002", "510903",
     30.5265, 105.5720, 12, (), NURSING, 5, "approved"),
    ("遂宁市船山区安馨家政服务有限公司", "91510903MA62AX0003", "510903",
     30.5310, 105.5630, 8, (), HOUSEKEEPING, 4, "approved"),
    ("船山区南津路街道社区助浴服务队", "52510903MJ62NJ0004", "510903",
     30.5130, 105.5910, 6, (), BATHING, 3, "approved"),
    ("遂宁市安居区福寿居家养老服务中心", "91510904MA62FS0005", "510904",
     30.3570, 105.4600, 10, (), GENERAL, 6, "approved"),
    ("安居区凤凰街道老年助餐服务点", "52510904MJ62FH0006", "510904",
     30.3460, 105.4650, 5, (), MEALS, 3, "approved"),
    ("遂宁市安居区仁爱康复护理中心", "91510904MA62RA0007", "510904",
     30.3610, 105.4500, 15, (), NURSING, 4, "approved"),
    ("蓬溪县赤城镇幸福里居家养老服务站", "52510921MJ62XF0008", "510921",
     30.7590, 105.7120, 8, (), GENERAL, 5, "approved"),
    ("蓬溪县康宁医养服务有限公司", "91510921MA62KN0009", "510921",
     30.7540, 105.7060, 10, ("510921",), NURSING + ("bathing",), 6, "approved"),
    ("大英县蓬莱镇夕阳红养老服务中心", "52510923MJ62XY0010", "510923",
     30.5950, 105.2400, 10, (), GENERAL, 5, "approved"),
    ("大英县惠民家政服务有限公司", "91510923MA62HM0011", "510923",
     30.6000, 105.2450, 12, (), HOUSEKEEPING, 4, "approved"),
    ("射洪市太和街道颐养居家养老服务中心", "52510981MJ62YY0012", "510981",
     30.8720, 105.3850, 10, (), GENERAL, 7, "approved"),
    ("射洪市子昂康复护理站", "91510981MA62ZA0013", "510981",
     30.8820, 105.3990, 12, (), NURSING + ("companionship",), 4, "approved"),
    ("遂宁市船山区金晖养老服务有限公司", "91510903MA62JH0014", "510903",
     30.5230, 105.5780, 8, (), GENERAL, 0, "pending"),
    ("射洪市平安家政服务部", "92510981MA62PA0015", "510981",
     30.8590, 105.3960, 6, (), HOUSEKEEPING, 3, "suspended"),
]
# fmt: on
SUSPENSION_REASON = "多次未按约上门服务，整改期间暂停接单"

# Demo accounts: provider admins of the first two providers, and two caregivers of the first.
ADMIN_ACCOUNTS = [("13600000001", "周建英", 0), ("13600000002", "罗德明", 4)]
CAREGIVER_ACCOUNT_PHONES = ("13600000011", "13600000012")

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
_GIVEN = (
    "秀英",
    "桂芳",
    "丽",
    "建华",
    "小红",
    "春梅",
    "志强",
    "玉兰",
    "海燕",
    "德明",
    "晓燕",
    "红梅",
    "国庆",
    "淑华",
    "丽萍",
    "文静",
    "利",
    "秀兰",
    "俊",
    "燕",
)

_CERTIFICATES = {
    "health": "护士执业证书",
    "rehab": "康复治疗师资格证",
    "bathing": "养老护理员职业技能等级证书",
    "haircut": "美发师职业资格证书",
}

# Weekly patterns: (weekday, "HH:MM", "HH:MM") rows.
_WEEKDAYS_8_18 = [(d, "08:00", "18:00") for d in range(6)]
_SPLIT_DAYS = [(d, s, e) for d in range(5) for s, e in (("08:00", "12:00"), ("14:00", "18:00"))]
_WITH_SUNDAY = [(d, "08:30", "17:30") for d in range(5)] + [
    (5, "09:00", "17:00"),
    (6, "09:00", "15:00"),
]
_NIGHTS = [(d, "20:00", "24:00") for d in range(5)] + [(d, "00:00", "06:00") for d in range(1, 6)]
_PATTERNS = (_WEEKDAYS_8_18, _SPLIT_DAYS, _WITH_SUNDAY, _WEEKDAYS_8_18, _NIGHTS)


async def load_demo(now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    today = local_today(now)
    officer = await _officer()
    counts = {
        "providers_created": 0,
        "caregivers_created": 0,
        "offerings": 0,
        "provider_accounts_created": 0,
    }
    ids: list[int] = []
    for index, spec in enumerate(PROVIDERS):
        provider_id = await _existing(spec[1])
        if provider_id is None:
            provider_id = await _create(officer, index, spec, today, now, counts)
            counts["providers_created"] += 1
        ids.append(provider_id)
    for phone, name, index in ADMIN_ACCOUNTS:
        counts["provider_accounts_created"] += await _account(
            phone, name, "provider_admin", ids[index]
        )
    for number, phone in enumerate(CAREGIVER_ACCOUNT_PHONES):
        counts["provider_accounts_created"] += await _account(
            phone, _person_name(0, number), "caregiver", ids[0]
        )
    return counts


async def _officer() -> Actor:
    """The demo bureau officer (王建国) enters and approves the organisations."""
    staff = next(s for s in demo_data.STAFF if s["role"] == "bureau_officer")
    found = await accounts.users_with_role("bureau_officer", region_covering=staff["region_code"])
    return Actor(
        id=found[0] if found else 0,
        name=staff["name"],
        roles=("bureau_officer",),
        region_code=staff["region_code"],
    )


async def _existing(licence: str) -> int | None:
    row = await Provider.select(Provider.id).where(Provider.license_no == licence).first().run()
    return row["id"] if row else None


async def _create(
    officer: Actor,
    index: int,
    spec: tuple[Any, ...],
    today: date,
    now: datetime,
    counts: dict[str, int],
) -> int:
    name, licence, region, lat, lon, radius, districts, skills, team_size, status = spec
    view = await service.register_provider(
        officer,
        ProviderInput(
            name=name,
            license_no=licence,
            region_code=region,
            lat=lat,
            lon=lon,
            service_radius_km=radius,
            address=f"{name[:3]}{_ROADS[index % len(_ROADS)]} {18 + index * 7} 号",
            districts=list(districts),
        ),
        make_admin=False,
        now=now,
    )
    if status == "pending":
        return view.id
    await service.decide(officer, view.id, "approve", now=now)
    team = Actor(id=0, name="demo", roles=("provider_admin",), provider_id=view.id)
    for number in range(team_size):
        await _caregiver(team, view.id, index, number, skills, today, now)
        counts["caregivers_created"] += 1
    counts["offerings"] += await _offerings(team, view.id, region, set(skills), index, now)
    if status == "suspended":
        await service.decide(officer, view.id, "suspend", SUSPENSION_REASON, now=now)
    return view.id


_ROADS = ("南津路", "凯旋路", "遂州中路", "滨江北路", "明月路", "德胜西路", "金鱼街")


def _person_name(provider_index: int, number: int) -> str:
    seed = provider_index * 8 + number
    return (
        _SURNAMES[(seed * 7) % len(_SURNAMES)] + _GIVEN[(seed * 3 + provider_index) % len(_GIVEN)]
    )


def _phone(provider_index: int, number: int) -> str:
    if provider_index == 0 and number < len(CAREGIVER_ACCOUNT_PHONES):
        return CAREGIVER_ACCOUNT_PHONES[number]
    return f"1580{provider_index:02d}{number:05d}"


async def _caregiver(
    team: Actor,
    provider_id: int,
    index: int,
    number: int,
    skills: tuple[str, ...],
    today: date,
    now: datetime,
) -> None:
    """Each caregiver has two or three of the provider's skills, some certificates, and hours."""
    own = sorted(
        {
            skills[number % len(skills)],
            skills[(number + 1) % len(skills)],
            *(skills[(number + 2) % len(skills)] for _ in range(number % 2)),
        }
    )
    certificates = []
    for skill in own:
        if skill in _CERTIFICATES and (number + index) % 3 != 2:
            # One caregiver's certificate ran out last month: that skill no longer matches.
            expired = index == 1 and number == 0 and not certificates
            expires = (
                today - timedelta(days=30) if expired else today + timedelta(days=365 + 90 * number)
            )
            certificates.append(
                CertificateInput(
                    skill=skill,
                    name=_CERTIFICATES[skill],
                    number=f"ZS{index:02d}{number:02d}{len(certificates)}",
                    expires_on=expires,
                )
            )
    try:
        view = await service.add_caregiver(
            team,
            provider_id,
            CaregiverInput(
                name=_person_name(index, number),
                phone=_phone(index, number),
                skills=own,
                certificates=certificates,
            ),
            now=now,
        )
    except Conflict:
        return
    pattern = _PATTERNS[(index + number) % len(_PATTERNS)]
    days_off = [today + timedelta(days=3 + number)] if number % 3 == 1 else []
    await service.set_availability(
        team, provider_id, view.id, pattern, [d.isoformat() for d in days_off], now=now
    )


async def _offerings(
    team: Actor, provider_id: int, region: str, skills: set[str], index: int, now: datetime
) -> int:
    """Every active item its team has the skill for, priced a little under the region's cap."""
    made = 0
    for item in await catalog.all_items():
        if not item.active or item.skill not in skills:
            continue
        cap = await catalog.price_cap(item.code, region)
        if cap is None:
            continue
        share = (85 + 5 * ((index + made) % 4)) / 100  # 85 %, 90 %, 95 % or 100 % of the cap
        price = max(min(cap, 100), int(cap * share) // 50 * 50)
        await service.set_offering(team, provider_id, item.code, min(price, cap), now=now)
        made += 1
    return made


async def _account(phone: str, name: str, role: str, provider_id: int) -> int:
    try:
        await accounts.create_user(
            phone=phone,
            password=demo_data.DEMO_PASSWORD,
            name=name,
            roles=[role],
            provider_id=provider_id,
        )
    except Conflict:
        return 0
    return 1
