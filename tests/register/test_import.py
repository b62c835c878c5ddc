"""Imports of every kind: row report, idempotency, --strict, both history times."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from huanjian.access.policy import Principal
from huanjian.audit.models import AuditEntry
from huanjian.core.tx import Tx
from huanjian.errors import ValidationError
from huanjian.register import history, importer
from huanjian.register import service as register
from huanjian.register.kinds import KINDS
from huanjian.register.models import Device, Enterprise, Limit, Logger, Organisation, Permit
from tests.factories import credit_code, seed_geo

A = credit_code(1, "310115")
B = credit_code(2, "310112")
LAB = credit_code(3, "310000")
OM = credit_code(4, "310000")


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _import(tx: Tx, kind: str, data: bytes, name: str = "f.csv", strict: bool = False) -> dict[str, object]:
    return importer.import_file(tx, kind, data, name, strict=strict).to_dict()


ENTERPRISES = _csv(
    "credit_code,name,jurisdiction_code,industry_code,supervision_class,address,former_names",
    f"{A},上海甲热电有限公司,310115103,D4411,key,上海市浦东新区高桥镇甲路1号,上海甲电厂",
    f"{B},上海乙化工有限公司,310112102,C2614,general,闵行区七宝镇乙路2号,",
)


@pytest.fixture
def register_world(tx: Tx) -> Tx:
    seed_geo(tx)
    _import(tx, "enterprises", ENTERPRISES)
    _import(
        tx,
        "organisations",
        _csv(
            "credit_code,name,kind,certification,certification_valid_until",
            f"{LAB},上海丁检测有限公司,lab,CMA,2027-12-31",
            f"{OM},上海戊运维有限公司,contractor,,",
        ),
    )
    _import(
        tx,
        "permits",
        _csv(
            "permit_number,credit_code,permit_class,valid_from,valid_until,emission_allowances",
            f"{A}001P,{A},key,2023-07-01,2028-06-30,a21026:2026=120.5;a21002:2026=180",
        ),
    )
    _import(
        tx,
        "outlets",
        _csv(
            "credit_code,outlet_code,name,height_m,treatment_facilities",
            f"{A},DA001,1号锅炉烟囱,120,TA001 SCR脱硝;TA002 布袋除尘",
            f"{B},DW001,总排口,,TW001 污水处理站",
        ),
    )
    return tx


def test_enterprises_created_then_unchanged(register_world: Tx) -> None:
    tx = register_world
    report = _import(tx, "enterprises", ENTERPRISES)
    assert (report["created"], report["changed"], report["unchanged"], report["rejected"]) == (0, 0, 2, 0)
    assert [r["status"] for r in report["rows"]] == ["unchanged", "unchanged"]  # type: ignore[index]
    ent = tx.session.scalars(select(Organisation).where(Organisation.credit_code == A)).one()
    assert ent.kind == "enterprise" and ent.former_names == ["上海甲电厂"]
    assert ent.enterprise is not None and ent.enterprise.supervising_level == "city"  # key permit, D441


def test_report_shape_and_rejections(register_world: Tx) -> None:
    bad = _csv(
        "credit_code,name,jurisdiction_code,supervision_class,longitude",
        "91350100M000100Y4A,坏代码公司,310115,key,",
        f"{credit_code(9)},区划不存在公司,310199,key,",
        f"{credit_code(10)},类别错误公司,310115,important,",
        f"{credit_code(11)},经度错误公司,310115,key,200",
        f"{credit_code(12)},正常公司,310115,key,121.5",
    )
    report = _import(register_world, "enterprises", bad)
    assert set(report) == {"applied", "created", "changed", "unchanged", "rejected", "rows"}
    rows = report["rows"]
    assert isinstance(rows, list)
    assert set(rows[0]) == {"row", "status", "key", "errors"}
    assert [r["status"] for r in rows] == ["rejected"] * 4 + ["created"]
    assert rows[0]["row"] == 2
    assert rows[0]["errors"][0]["field"] == "credit_code"
    assert "character 18 is 'A', expected '3'" in rows[0]["errors"][0]["message"]
    assert rows[1]["errors"] == [
        {
            "field": "jurisdiction_code",
            "message": "jurisdiction 310199 is not in the register's jurisdiction list",
        }
    ]
    assert rows[2]["errors"][0]["field"] == "supervision_class"
    assert "not one of key, general, simple" in rows[2]["errors"][0]["message"]
    assert rows[3]["errors"][0]["field"] == "longitude"


def test_strict_applies_nothing(register_world: Tx) -> None:
    tx = register_world
    data = _csv(
        "credit_code,name,jurisdiction_code",
        f"{credit_code(20)},新公司甲,310115",
        f"{credit_code(21)},,310115",
    )
    report = _import(tx, "enterprises", data, strict=True)
    assert report["applied"] is False and report["rejected"] == 1
    assert report["rows"][1]["errors"] == [{"field": "name", "message": "required, but empty"}]  # type: ignore[index]
    assert (
        tx.session.scalars(select(Organisation).where(Organisation.credit_code == credit_code(20))).first()
        is None
    )
    report = _import(tx, "enterprises", data)
    assert report["created"] == 1 and report["rejected"] == 1


def test_every_kind_round_trips(register_world: Tx) -> None:
    tx = register_world
    files = {
        "loggers": _csv(
            "mn,credit_code,outlet_code,pollutant,password,range_low,range_high,unit,contractor_credit_code,parameters",
            f"31011500000001A0000001F1,{A},DA001,a21026,123456,0,200,mg/m3,{OM},slope=1.0;kv=1.1..1.3",
            f"31011500000001A0000001F1,{A},DA001,03,123456,0,300,mg/m3,{OM},range=0..300",
            f"ab-12_x,{B},DW001,w01018,,0,500,mg/L,,",
        ),
        "limits": _csv(
            "credit_code,outlet_code,pollutant,averaging_period,value,unit,reference_o2,standard,valid_from",
            f"{A},DA001,a21026,hour,35,mg/m3,6,GB 13223-2011,2024-01-01",
            f"{B},DW001,w01018,day,50,mg/L,,GB 18918-2002,2024-01-01",
        ),
        "staff": _csv(
            "organisation_credit_code,staff_number,name,certificate_number,certificate_pollutants,certificate_valid_until",
            f"{LAB},S1,张三,C-1,a21026;a21002,2028-12-31",
            f"{LAB},S1,张三,C-2,w01018,2027-12-31",
        ),
        "contracts": _csv(
            "contract_number,provider_credit_code,enterprise_credit_code,service,valid_from,valid_until",
            f"YW-1,{OM},{A},operation_maintenance,2026-01-01,2026-12-31",
        ),
        "eia": _csv(
            "approval_number,credit_code,project_name,approval_date",
            f"沪浦环保许评〔2024〕101号,{A},超低排放改造,2024-03-15",
        ),
        "supervision": _csv(
            "record_number,credit_code,kind,record_date,penalty_amount",
            f"沪闵环罚〔2025〕12号,{B},penalty,2025-06-01,200000",
        ),
        "credit": _csv(
            "credit_code,year,grade,source,published_date",
            f"{A},2025,green,上海市生态环境局,2026-03-31",
        ),
        "enforcement-objects": _csv(
            "object_code,name,credit_code,address,jurisdiction_code",
            f"ZF1,上海甲热电有限公司,{A},浦东新区高桥镇甲路1号,310115",
        ),
    }
    for kind, data in files.items():
        first = _import(tx, kind, data)
        assert first["rejected"] == 0, (kind, first)
        assert first["created"] == len(first["rows"]), kind  # type: ignore[arg-type]
        again = _import(tx, kind, data)
        assert again["unchanged"] == len(again["rows"]), (kind, again)  # type: ignore[arg-type]
        exported = importer.export_csv(KINDS[kind], importer.export_records(tx, KINDS[kind]))
        header = exported.splitlines()[0].split(",")[:-1]  # recorded_time is added
        reimport = importer.import_rows(
            tx,
            KINDS[kind],
            header,
            [dict(zip(header, line.split(",")[:-1], strict=True)) for line in exported.splitlines()[1:]],
            source="export",
        ).to_dict()
        assert reimport["unchanged"] == len(reimport["rows"]), (kind, reimport)  # type: ignore[arg-type]
    logger = tx.session.scalars(select(Logger).where(Logger.mn == "31011500000001A0000001F1")).one()
    assert sorted(d.pollutant for d in logger.devices) == ["a21002", "a21026"]  # 03 is the 2005 NOx code
    so2 = next(d for d in logger.devices if d.pollutant == "a21026")
    assert {(p.name, p.value, p.low, p.high) for p in so2.parameters} == {
        ("slope", 1.0, None, None),
        ("kv", None, 1.1, 1.3),
    }
    assert so2.contractor_id is not None
    messy = _import(tx, "loggers", files["loggers"])["rows"]
    assert any("non-standard MN" in w for w in messy[2]["warnings"])  # type: ignore[index]
    limit = tx.session.scalars(select(Limit).where(Limit.pollutant == "a21026")).one()
    assert (limit.value, limit.reference_o2, limit.averaging_period) == (35.0, 6.0, "hour")
    permit = tx.session.scalars(select(Permit)).one()
    assert {(a.pollutant, a.year, a.amount_t) for a in permit.allowances} == {
        ("a21026", 2026, 120.5),
        ("a21002", 2026, 180.0),
    }


def test_reference_errors_name_the_field(register_world: Tx) -> None:
    report = _import(
        register_world,
        "loggers",
        _csv(
            "mn,credit_code,outlet_code,pollutant",
            f"31011500000001A0000001F1,{A},DA009,a21026",
            f"31011500000001A0000001F2,{A},DA001,x99999",
            f"31011500000001A0000001F3,{credit_code(77)},DA001,a21026",
        ),
    )
    errors = [r["errors"][0] for r in report["rows"]]  # type: ignore[attr-defined]
    assert errors[0] == {"field": "outlet_code", "message": f"enterprise {A} has no outlet DA009"}
    assert errors[1]["field"] == "pollutant" and "x99999" in errors[1]["message"]
    assert errors[2]["field"] == "credit_code" and "no enterprise" in errors[2]["message"]


def test_mn_is_unique_across_enterprises(register_world: Tx) -> None:
    tx = register_world
    mn = "31011500000001A0000001F1"
    _import(tx, "loggers", _csv("mn,credit_code,outlet_code,pollutant", f"{mn},{A},DA001,a21026"))
    report = _import(tx, "loggers", _csv("mn,credit_code,outlet_code,pollutant", f"{mn},{B},DW001,w01018"))
    assert report["rows"][0]["errors"][0]["field"] == "mn"  # type: ignore[index]


def test_history_as_of_and_known_at(register_world: Tx) -> None:
    tx = register_world
    header = (
        "credit_code,outlet_code,pollutant,averaging_period,value,unit,reference_o2,standard,"
        "valid_from,valid_until"
    )
    _import(
        tx, "limits", _csv(header, f"{A},DA001,a21026,hour,100,mg/m3,6,GB 13223-2011,2015-01-01,2023-12-31")
    )
    learned_first = datetime.now(UTC)
    # Later we learn the ultra-low limit from 2024 on.
    _import(
        tx,
        "limits",
        _csv(
            header,
            f"{A},DA001,a21026,hour,100,mg/m3,6,GB 13223-2011,2015-01-01,2023-12-31",
            f"{A},DA001,a21026,hour,35,mg/m3,6,GB 13223-2011,2024-01-01,",
        ),
    )

    def values(as_of: date | None, known_at: datetime | None) -> list[object]:
        return [v.data["value"] for v in history.query(tx.session, "limits", as_of=as_of, known_at=known_at)]

    assert values(date(2020, 6, 1), None) == [100.0]
    assert values(date(2025, 6, 1), None) == [35.0]
    assert values(date(2025, 6, 1), learned_first) == []  # then we knew no limit for 2025
    assert values(date(2020, 6, 1), learned_first - timedelta(days=1)) == []  # before the first import

    # Enterprise rename with an effective date: the old name applies before it.
    rename = _csv(
        "credit_code,name,jurisdiction_code,industry_code,supervision_class,address,former_names,effective_date",
        f"{A},上海甲能源有限公司,310115103,D4411,key,上海市浦东新区高桥镇甲路1号,上海甲电厂,2026-02-01",
    )
    before_rename = datetime.now(UTC)
    assert _import(tx, "enterprises", rename)["changed"] == 1
    names = {
        (as_of, known): [
            v.data["name"]
            for v in history.query(tx.session, "enterprises", as_of=as_of, known_at=known, keys=[A])
        ]
        for as_of in (date(2026, 1, 15), date(2026, 3, 1))
        for known in (None, before_rename)
    }
    assert names[(date(2026, 1, 15), None)] == ["上海甲热电有限公司"]
    assert names[(date(2026, 3, 1), None)] == ["上海甲能源有限公司"]
    assert names[(date(2026, 3, 1), before_rename)] == ["上海甲热电有限公司"]
    org = tx.session.scalars(select(Organisation).where(Organisation.credit_code == A)).one()
    assert org.name == "上海甲能源有限公司" and "上海甲热电有限公司" in org.former_names
    profile = register.profile(tx, Principal.system(), org.id)
    changes = [c for c in profile["history"] if c["kind"] == "enterprises" and not c["created"]]
    assert changes and changes[0]["fields"]["name"] == {
        "before": "上海甲热电有限公司",
        "after": "上海甲能源有限公司",
    }
    old_profile = register.profile(tx, Principal.system(), org.id, known_at=before_rename)
    assert old_profile["identity"]["name"] == "上海甲热电有限公司"


def test_import_is_audited_per_batch(register_world: Tx) -> None:
    tx = register_world
    count = tx.session.query(AuditEntry).count()
    _import(
        tx,
        "enterprises",
        _csv(
            "credit_code,name,jurisdiction_code",
            *(f"{credit_code(300 + i)},公司{i},310115" for i in range(30)),
        ),
    )
    entries = tx.session.scalars(select(AuditEntry).where(AuditEntry.id > count)).all()
    assert [e.action for e in entries] == ["register.import.enterprises"]
    assert entries[0].after["created"] == 30


def test_xlsx_template_and_import(register_world: Tx) -> None:
    data = importer.template_xlsx(KINDS["enterprises"])
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert ws.cell(1, 1).value == "credit_code" and "统一社会信用代码" in ws.cell(1, 1).comment.text
    assert "说明" in wb.sheetnames
    # Fill a real row and import it as XLSX, header in Chinese.
    ws.delete_rows(2)
    for i, column in enumerate(KINDS["enterprises"].columns, start=1):
        ws.cell(1, i).value = column.zh
    ws.cell(2, 1).value = credit_code(500)
    ws.cell(2, 2).value = "上海表格有限公司"
    ws.cell(2, 5).value = "上海市浦东新区某路"
    ws.cell(2, 6).value = 310115  # a number cell, as Excel stores it
    ws.cell(2, 9).value = "重点监管对象"  # the Chinese label is accepted for the code
    buf = io.BytesIO()
    wb.save(buf)
    report = importer.import_file(register_world, "enterprises", buf.getvalue(), "企业.xlsx").to_dict()
    assert report["created"] == 1, report
    ent = register_world.session.scalars(
        select(Enterprise).join(Organisation).where(Organisation.name == "上海表格有限公司")
    ).one()
    assert ent.supervision_class == "key"


def test_template_csv_has_header_and_example() -> None:
    for kind in KINDS.values():
        lines = importer.template_csv(kind).splitlines()
        assert len(lines) == 2 and lines[0].split(",")[0] == kind.columns[0].name


def test_unknown_column_is_refused(register_world: Tx) -> None:
    with pytest.raises(ValidationError, match="unknown column"):
        _import(
            register_world,
            "enterprises",
            _csv("credit_code,name,jurisdiction_code,colour", f"{A},x,310115,red"),
        )
    with pytest.raises(ValidationError, match="missing required column"):
        _import(register_world, "enterprises", _csv("credit_code,name", f"{A},x"))


def test_gb18030_csv(register_world: Tx) -> None:
    data = f"credit_code,name,jurisdiction_code\n{credit_code(600)},上海国标编码有限公司,310115\n".encode(
        "gb18030"
    )
    assert _import(register_world, "enterprises", data)["created"] == 1


def test_export_json_lines(register_world: Tx) -> None:
    records = importer.export_records(register_world, KINDS["permits"])
    line = next(importer.export_json(records))
    obj = json.loads(line)
    assert obj["permit_number"] == f"{A}001P" and obj["recorded_time"].endswith("+08:00")


def test_devices_counted(register_world: Tx) -> None:
    assert register_world.session.query(Device).count() == 0
