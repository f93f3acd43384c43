"""The demo city's institution directory: 15 institutions over the five districts of 遂宁市.

Loaded through the same service an officer uses, so the data passes the same checks;
idempotent (an institution already there, by name and region, is left alone).
Coordinates sit near the community named in ``eldercare/geo/data/regions.csv``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from eldercare.actor import Actor
from eldercare.institutions import service
from eldercare.institutions.domain import InstitutionInput

# The loader acts as the city's bureau (no account of its own: audit rows show no user).
CITY_BUREAU = Actor(id=0, name="demo", roles=("bureau_officer",), region_code="510900")

# name, kind, region, beds, free beds, monthly price range in yuan, address, phone, lat, lon
# fmt: off
INSTITUTIONS: list[tuple[str, str, str, int, int, int, int, str, str, float, float]] = [
    # 船山区
    ("船山区社会福利院", "care_home", "510903001", 300, 24, 1800, 4200,
     "船山区南津路街道滨江北路168号", "0825-2226801", 30.514, 105.5885),
    ("遂宁市康乐护理院", "nursing_home", "510903002001", 120, 6, 3600, 6800,
     "船山区高升街街道高升社区明月路55号", "0825-2318802", 30.5262, 105.5801),
    ("船山区凯旋路街道日间照料中心", "day_centre", "510903003001", 10, 3, 600, 1200,
     "船山区凯旋路街道凯旋社区凯旋中路21号", "0825-2245803", 30.5328, 105.5632),
    ("天宫社区老年助餐点", "community_canteen", "510903002002", 0, 0, 300, 450,
     "船山区高升街街道天宫社区天宫路8号", "0825-2251804", 30.5214, 105.5745),
    ("西山社区喘息服务站", "respite", "510903003002", 8, 2, 1500, 2400,
     "船山区凯旋路街道西山社区西山路40号", "0825-2262805", 30.5285, 105.5592),
    # 安居区
    ("安居区社会福利院", "care_home", "510904001", 200, 18, 1500, 3500,
     "安居区柔刚街道柔刚路99号", "0825-8621806", 30.3582, 105.457),
    ("安居区凤凰街道日间照料中心", "day_centre", "510904002001", 6, 1, 500, 900,
     "安居区凤凰街道凤凰社区凤凰大道36号", "0825-8632807", 30.3468, 105.4665),
    ("安居镇琼江老年助餐点", "community_canteen", "510904100001", 0, 0, 280, 400,
     "安居区安居镇琼江社区琼江路12号", "0825-8645808", 30.3638, 105.447),
    # 蓬溪县
    ("蓬溪县中心敬老院", "care_home", "510921100", 160, 15, 1200, 2800,
     "蓬溪县赤城镇鹫峰社区鹫峰路66号", "0825-5421809", 30.7602, 105.7135),
    ("蓬溪县仁和护理院", "nursing_home", "510921101001", 90, 4, 3200, 5600,
     "蓬溪县新会镇新会社区新会街18号", "0825-5436810", 30.7438, 105.691),
    # 大英县
    ("大英县社会福利中心", "care_home", "510923100001", 220, 30, 1400, 3200,
     "大英县蓬莱镇蓬莱社区郪江路120号", "0825-7821811", 30.5962, 105.2425),
    ("大英县卓筒井镇日间照料中心", "day_centre", "510923102001", 8, 2, 500, 800,
     "大英县卓筒井镇卓筒井社区盐井街5号", "0825-7845812", 30.5712, 105.221),
    # 射洪市
    ("射洪市社会福利院", "care_home", "510981001", 260, 20, 1600, 3800,
     "射洪市太和街道美丰社区太和大道北段88号", "0825-6621813", 30.87, 105.382),
    ("射洪市子昂街道喘息服务站", "respite", "510981003001", 10, 3, 1800, 2600,
     "射洪市子昂街道子昂社区子昂路30号", "0825-6632814", 30.8832, 105.3995),
    ("射洪市平安社区老年助餐点", "community_canteen", "510981002001", 0, 0, 300, 420,
     "射洪市平安街道平安社区平安路17号", "0825-6645815", 30.8588, 105.396),
]
# fmt: on


def demo_inputs() -> list[InstitutionInput]:
    return [
        InstitutionInput(
            name=name,
            kind=kind,
            region_code=region,
            beds=beds,
            vacancies=free,
            price_min_fen=low * 100,
            price_max_fen=high * 100,
            address=address,
            phone=phone,
            lat=lat,
            lon=lon,
        )
        for name, kind, region, beds, free, low, high, address, phone, lat, lon in INSTITUTIONS
    ]


async def load_demo(now: datetime | None = None) -> dict[str, int]:
    now = now or datetime.now(UTC)
    created = 0
    for data in demo_inputs():
        assert data.name is not None and data.region_code is not None
        if await service.exists_named(data.name, data.region_code):
            continue
        await service.create_institution(CITY_BUREAU, data, now=now)
        created += 1
    return {"institutions_created": created}
