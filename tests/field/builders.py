"""A field-monitoring world built through the real services: on top of tests.factories'
people, a station with certified staff, outlets with coordinates and limits, loggers
with devices served by the contractor, and a case in its monitoring task with an
assigned sampler, in Pudong (enterprise 甲) and in Minhang (enterprise 乙)."""

from __future__ import annotations

import base64
import struct
import uuid
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from huanjian.access.models import User
from huanjian.access.policy import Principal
from huanjian.casework import service as cases
from huanjian.core.tx import Tx
from huanjian.field import service as field
from huanjian.register import importer
from tests.factories import People, credit_code, make_organisation, make_user, seed_people

JIA_CODE, YI_CODE = credit_code(101, "310115"), credit_code(102, "310112")
STATION_CODE, CONTRACTOR_CODE, LAB_CODE = (
    credit_code(301, "310000"),
    credit_code(201, "310000"),
    credit_code(302, "310000"),
)
JIA_LAT, JIA_LON = 31.3512, 121.5731
YI_LAT, YI_LON = 31.1500, 121.3500
MN_JIA = "31011500000001A0000001F1"
MN_YI = "31011200000001A0000001F2"
SAMPLED_ON = date(2026, 3, 2)


@dataclass
class FieldWorld:
    people: People
    ent_a: int
    ent_b: int
    station: int
    lab: int
    minhang_chief: User
    users: dict[str, User]
    outlets: dict[str, int]  # "jia" / "yi" → air outlet DA001
    devices: dict[str, int]  # "jia" / "yi" → SO2 device
    cases: dict[str, int]
    records: dict[str, int]


def _import(tx: Tx, kind: str, rows: list[dict[str, Any]]) -> None:
    report = importer.import_rows(tx, importer.get_kind(kind), list(rows[0]), rows, source="test")
    problems = [r.errors for r in report.rows if r.errors]
    assert not problems, problems


def _register(tx: Tx, outlet_code: str, pudong: bool) -> None:
    _import(
        tx,
        "staff",
        [
            {
                "organisation_credit_code": STATION_CODE,
                "staff_number": f"M00{i}",
                "name": name,
                "position": "采样员",
                "certificate_number": f"JC-00{i}",
                "certificate_method": "HJ 57-2017 HJ 836-2017 现场监测",
                "certificate_pollutants": "a21026;a21002;a34013",
                "certificate_valid_from": "2020-01-01",
                "certificate_valid_until": "2099-12-31",
            }
            for i, name in ((1, "王监测"), (2, "李监测"))
        ],
    )
    places = (
        [(JIA_CODE, JIA_LAT, JIA_LON), (YI_CODE, YI_LAT, YI_LON)] if pudong else [(YI_CODE, YI_LAT, YI_LON)]
    )
    for code, lat, lon in places:
        _import(
            tx,
            "outlets",
            [
                {
                    "credit_code": code,
                    "outlet_code": outlet_code,
                    "kind": "air",
                    "name": "1号锅炉烟囱",
                    "longitude": str(lon),
                    "latitude": str(lat),
                }
            ],
        )
        _import(
            tx,
            "limits",
            [
                {
                    "credit_code": code,
                    "outlet_code": outlet_code,
                    "pollutant": pollutant,
                    "averaging_period": "hour",
                    "value": value,
                    "unit": "mg/m3",
                    "standard": "GB 13223-2011",
                    "valid_from": "2024-01-01",
                }
                for pollutant, value in (("a21026", "35"), ("a34013", "10"))
            ],
        )
    _import(
        tx,
        "contracts",
        [
            {
                "contract_number": "ZX-LAB-1",
                "provider_credit_code": LAB_CODE,
                "enterprise_credit_code": JIA_CODE if pudong else YI_CODE,
                "service": "self_monitoring",
                "valid_from": "2020-01-01",
                "valid_until": "" if pudong else "2026-06-30",
            }
        ],
    )
    _import(
        tx,
        "loggers",
        [
            {
                "mn": mn,
                "credit_code": code,
                "outlet_code": outlet_code,
                "pollutant": "a21026",
                "unit": "mg/m3",
                "acceptance_date": "2024-06-01",
                "contractor_credit_code": CONTRACTOR_CODE,
            }
            for mn, code in ((MN_JIA, JIA_CODE), (MN_YI, YI_CODE))
            if pudong or code == YI_CODE
        ],
    )


def _ids(tx: Tx, code: str) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    from sqlalchemy import select

    from huanjian.register.models import Device, Logger, Outlet, Staff

    outlets = {
        o.enterprise_id: o.id for o in tx.session.scalars(select(Outlet).where(Outlet.outlet_code == code))
    }
    devices = {
        lg.outlet_id: d.id
        for d, lg in tx.session.execute(select(Device, Logger).join(Logger, Device.logger_id == Logger.id))
    }
    staff = {s.name: s.id for s in tx.session.scalars(select(Staff))}
    return outlets, devices, staff


def _case(tx: Tx, actor: Principal, enterprise_id: int, staff_id: int) -> int:
    case = cases.open_case(
        tx, actor, enterprise_id=enterprise_id, source="complaint", title="群众投诉 烟囱冒黑烟"
    )
    cases.transition(tx, actor, case.id, "accept")
    cases.transition(tx, actor, case.id, "task_monitoring")
    row = cases.assign(
        tx, actor, case.id, kind="monitoring", staff_id=staff_id, method="HJ 57-2017", pollutant="a21026"
    )
    assert row.status == "assigned", row.findings
    return case.id


def build(tx: Tx) -> FieldWorld:
    return build_on(tx, seed_people(tx))


def build_on(tx: Tx, people: People, outlet_code: str = "DA001", *, pudong: bool = True) -> FieldWorld:
    """The field world on top of tests.factories' people. The isolation world reuses its people
    and builds Minhang only (``pudong=False``: other domains' cases there expect an empty Pudong);
    the lab then serves enterprise 乙, until 2026-06-30."""
    ent_a, ent_b = people.enterprise_a.organisation_id, people.enterprise_b.organisation_id
    assert ent_a is not None and ent_b is not None
    station = make_organisation(tx, "station", "上海市环境监测中心", 301)
    lab = make_organisation(tx, "lab", "上海丁检测有限公司", 302)
    _register(tx, outlet_code, pudong)
    outlets_by_ent, devices_by_outlet, staff = _ids(tx, outlet_code)
    users = {
        "chief": make_user(tx, "pd_chief", "bureau", "310115"),
        "sampler": make_user(tx, "pd_sampler", "station", "310115"),
        "sampler2": make_user(tx, "pd_sampler2", "station", "310115"),
        "drafter": make_user(tx, "pd_drafter", "station", "310115", permissions=("report.draft",)),
        "checker": make_user(
            tx, "pd_checker", "station", "310115", permissions=("report.check", "report.draft")
        ),
        "signer": make_user(
            tx, "pd_signer", "station", "310115", permissions=("report.sign", "report.check")
        ),
        "mh_sampler": make_user(tx, "mh_sampler", "station", "310112", permissions=("report.draft",)),
        "lab": make_user(tx, "lab_user", "lab", organisation=lab),
    }
    mh_chief = make_user(tx, "mh_chief", "bureau", "310112")
    places = {"jia": ent_a, "yi": ent_b} if pudong else {"yi": ent_b}
    chiefs = {"jia": Principal.of(users["chief"]), "yi": Principal.of(people.minhang)}
    managers = {"jia": chiefs["jia"], "yi": Principal.of(mh_chief)}
    samplers = {"jia": ("王监测", "pd_sampler"), "yi": ("李监测", "mh_sampler")}
    cases_: dict[str, int] = {}
    records: dict[str, int] = {}
    for key, ent in places.items():
        cases_[key] = _case(tx, chiefs[key], ent, staff[samplers[key][0]])
        records[key] = field.create_record(
            tx,
            managers[key],
            case_id=cases_[key],
            outlet_id=outlets_by_ent[ent],
            method="hj57_so2",
            assignee=samplers[key][1],
        ).id
    return FieldWorld(
        people=people,
        ent_a=ent_a,
        ent_b=ent_b,
        station=station,
        lab=lab,
        minhang_chief=mh_chief,
        users=users,
        outlets={key: outlets_by_ent[ent] for key, ent in places.items()},
        devices={key: devices_by_outlet[outlets_by_ent[ent]] for key, ent in places.items()},
        cases=cases_,
        records=records,
    )


# --------------------------------------------------------------------------- payloads


def png(width: int = 4, height: int = 3, seed: int = 0) -> bytes:
    """A small valid PNG (RGB), different for each seed."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    rows = b"".join(
        b"\x00" + bytes((seed + x + y) % 256 for x in range(width) for _ in range(3)) for y in range(height)
    )
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def data_url(content: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(content).decode()


def ev(
    kind: str,
    payload: dict[str, Any],
    *,
    base_seq: int = 1,
    supersedes: str | None = None,
    at: str = "2026-03-02T09:00:00+08:00",
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "kind": kind,
        "payload": payload,
        "device_time": at,
        "base_seq": base_seq,
    }
    if supersedes:
        body["supersedes"] = supersedes
    return body


def full_visit(sample_code: str = "S-JIA-0001", *, base_seq: int = 1) -> list[dict[str, Any]]:
    """Check-in at the outlet, every checkpoint done, readings, a photo, a sample handed over."""
    return [
        ev("check_in", {"lat": JIA_LAT + 0.0003, "lon": JIA_LON, "accuracy_m": 8}, base_seq=base_seq),
        *(
            ev("checkpoint", {"key": key, "ok": True, "value": value}, base_seq=base_seq)
            for key, value in (
                ("sampling_position", None),
                ("leak_check", None),
                ("zero_check", 0.5),
                ("span_check", 2.0),
                ("post_span_check", -1.5),
            )
        ),
        ev(
            "reading",
            {"parameter": "a21026", "value": 28.4, "unit": "mg/m3", "instrument": "崂应3012H"},
            base_seq=base_seq,
        ),
        ev(
            "photo",
            {"image": data_url(png(seed=1)), "lat": JIA_LAT, "lon": JIA_LON, "caption": "采样孔"},
            base_seq=base_seq,
        ),
        ev("sample", {"code": sample_code, "pollutant": "a21026", "container": "吸收瓶"}, base_seq=base_seq),
        *(
            ev(
                "custody",
                {
                    "sample": sample_code,
                    "role": role,
                    "signer_name": name,
                    "image": data_url(png(seed=10 + i)),
                },
                base_seq=base_seq,
            )
            for i, (role, name) in enumerate(
                (
                    ("sampler", "王监测"),
                    ("enterprise", "甲厂 张环保"),
                    ("transporter", "刘司机"),
                    ("receiver", "赵实验"),
                )
            )
        ),
    ]
