"""Rebuild resources/regions/riau.json and resources/agencies/riau.json (run by a developer,
never by the desk): regions from the cahyadsn/wilayah SQL dump, keeping the hand-kept facts of
the old file (BPS code, short name, capital, aliases); agencies from the lists below.

    .venv/bin/python scripts/build_reference.py WILAYAH_SQL COMMIT DATE

DATE is the dump's own date (its "last edit"); the agency list is dated the day it is built.

How to add an agency: add a line to PROVINCE, REGENCY_OPD, VERTICAL or PER_REGENCY_VERTICAL
and run the script again; codes already given out must never change (complaints keep them).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desk_app import wilayah  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent / "resources"

# Other spellings clerks and citizens use (old names, the capital's name, joined words).
# Joined or spaced words ("Bagansinembah" / "Bagan Sinembah") need no entry: the search
# ignores spaces, hyphens and apostrophes.
REGION_ALIASES = {
    "14.01": ["Bangkinang"],
    "14.02": ["Inhu", "Rengat"],
    "14.04": ["Inhil", "Tembilahan"],
    "14.05": ["Pangkalan Kerinci"],
    "14.06": ["Rohul", "Pasir Pengaraian", "Pasir Pengarayan", "Pasirpangaraian"],
    "14.07": ["Rohil", "Bagansiapiapi", "Bagan Siapi-api", "Bagan Siapiapi"],
    "14.08": ["Siak Sri Indrapura"],
    "14.09": ["Kuansing", "Teluk Kuantan", "Taluk Kuantan"],
    "14.10": ["Meranti", "Selatpanjang", "Selat Panjang"],
    "14.71": ["PKU", "Pekan Baru"],
}
DISTRICT_ALIASES = {
    "14.07.05": ["Bagan Batu"],  # officially "Bagansinembah"; its town is Bagan Batu
    "14.10.01": ["Selatpanjang", "Selat Panjang"],  # Tebing Tinggi, Meranti's seat
    "14.71.04": ["Lima Puluh"],
    "14.71.08": ["Tampan"],  # Tampan was split (2016) into Binawidya and Tuahmadani
    "14.71.13": ["Tampan", "Tuah Madani"],
}

PROVINCE = [  # Pemerintah Provinsi Riau: the existing codes kept, names as now in use
    ("SETDA", "Sekretariat Daerah Provinsi Riau"),
    ("SETWAN", "Sekretariat DPRD Provinsi Riau"),
    ("INSPEKTORAT", "Inspektorat Provinsi Riau"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah Provinsi Riau"),
    ("BRIDA", "Badan Riset dan Inovasi Daerah Provinsi Riau"),
    ("DISDIK", "Dinas Pendidikan Provinsi Riau"),
    ("DISKES", "Dinas Kesehatan Provinsi Riau"),
    (
        "PUPRPKPP",
        "Dinas Pekerjaan Umum, Penataan Ruang, Perumahan, Kawasan Permukiman dan Pertanahan "
        "Provinsi Riau",
    ),
    ("DISHUB", "Dinas Perhubungan Provinsi Riau"),
    ("DINSOS", "Dinas Sosial Provinsi Riau"),
    ("DLHK", "Dinas Lingkungan Hidup dan Kehutanan Provinsi Riau"),
    ("DISNAKERTRANS", "Dinas Tenaga Kerja dan Transmigrasi Provinsi Riau"),
    (
        "DPMDDUKCAPIL",
        "Dinas Pemberdayaan Masyarakat dan Desa, Kependudukan dan Pencatatan Sipil Provinsi Riau",
    ),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Provinsi Riau"),
    ("BAPENDA", "Badan Pendapatan Daerah Provinsi Riau"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah Provinsi Riau"),
    ("BKD", "Badan Kepegawaian Daerah Provinsi Riau"),
    ("BPSDM", "Badan Pengembangan Sumber Daya Manusia Provinsi Riau"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja Provinsi Riau"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah dan Pemadam Kebakaran Provinsi Riau"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik Provinsi Riau"),
    ("BPH", "Badan Penghubung Provinsi Riau"),
    ("RSUDAA", "RSUD Arifin Achmad Provinsi Riau"),
    ("RSJTAMPAN", "Rumah Sakit Jiwa Tampan Provinsi Riau"),
    ("RSUDPB", "RSUD Petala Bumi Provinsi Riau"),
    (
        "DISPERINDAGKOP",
        "Dinas Perindustrian, Perdagangan, Koperasi, Usaha Kecil dan Menengah Provinsi Riau",
    ),
    ("DPTPH", "Dinas Pangan, Tanaman Pangan dan Hortikultura Provinsi Riau"),
    ("DISBUN", "Dinas Perkebunan Provinsi Riau"),
    ("DISNAKKESWAN", "Dinas Peternakan dan Kesehatan Hewan Provinsi Riau"),
    ("DKP", "Dinas Kelautan dan Perikanan Provinsi Riau"),
    ("DESDM", "Dinas Energi dan Sumber Daya Mineral Provinsi Riau"),
    ("DISKOMINFOTIK", "Dinas Komunikasi, Informatika dan Statistik Provinsi Riau"),
    ("DISPAR", "Dinas Pariwisata Provinsi Riau"),
    ("DISPORA", "Dinas Pemuda dan Olahraga Provinsi Riau"),
    ("DISPUSIP", "Dinas Perpustakaan dan Kearsipan Provinsi Riau"),
    (
        "DP3AP2KB",
        "Dinas Pemberdayaan Perempuan, Perlindungan Anak, Pengendalian Penduduk dan Keluarga "
        "Berencana Provinsi Riau",
    ),
    ("DISBUD", "Dinas Kebudayaan Provinsi Riau"),
]

# The standard set of a regency's or city's perangkat daerah, PP 18/2016 nomenclature
# ("{place}" is "Kabupaten Bengkalis", "Kota Dumai"). Each regency merges some of them
# differently: refresh from the regency's own Perda on organisation (SOTK).
REGENCY_OPD = [
    ("SETDA", "Sekretariat Daerah {place}"),
    ("SETWAN", "Sekretariat DPRD {place}"),
    ("INSPEKTORAT", "Inspektorat {place}"),
    ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah {place}"),
    ("DISDIK", "Dinas Pendidikan {place}"),
    ("DISKES", "Dinas Kesehatan {place}"),
    ("RSUD", "Rumah Sakit Umum Daerah {place}"),
    ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang {place}"),
    ("DPRKP", "Dinas Perumahan Rakyat dan Kawasan Permukiman {place}"),
    ("SATPOLPP", "Satuan Polisi Pamong Praja {place}"),
    ("BPBD", "Badan Penanggulangan Bencana Daerah {place}"),
    ("DAMKAR", "Dinas Pemadam Kebakaran dan Penyelamatan {place}"),
    ("DINSOS", "Dinas Sosial {place}"),
    ("DISNAKER", "Dinas Tenaga Kerja {place}"),
    ("DP3A", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak {place}"),
    ("DPPKB", "Dinas Pengendalian Penduduk dan Keluarga Berencana {place}"),
    ("DISPANGAN", "Dinas Ketahanan Pangan {place}"),
    ("DLH", "Dinas Lingkungan Hidup {place}"),
    ("DISDUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil {place}"),
    ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa {place}"),
    ("DISHUB", "Dinas Perhubungan {place}"),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika {place}"),
    ("DISKOPUKM", "Dinas Koperasi dan Usaha Kecil Menengah {place}"),
    ("DPMPTSP", "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu {place}"),
    ("DISPORA", "Dinas Pemuda dan Olahraga {place}"),
    ("DISBUDPAR", "Dinas Kebudayaan dan Pariwisata {place}"),
    ("DISPUSIP", "Dinas Perpustakaan dan Kearsipan {place}"),
    ("DISTAN", "Dinas Pertanian {place}"),
    ("DISKAN", "Dinas Perikanan {place}"),
    ("DISPERINDAG", "Dinas Perindustrian dan Perdagangan {place}"),
    ("BAPENDA", "Badan Pendapatan Daerah {place}"),
    ("BPKAD", "Badan Pengelolaan Keuangan dan Aset Daerah {place}"),
    ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia {place}"),
    ("KESBANGPOL", "Badan Kesatuan Bangsa dan Politik {place}"),
    ("PDAM", "Perusahaan Umum Daerah Air Minum (PDAM) {place}"),
]
NO_DPMD = {"kota"}  # a city has kelurahan, not desa: no Dinas PMD

# Vertical and state bodies serving the whole province (level "vertikal", region "14").
VERTICAL = [
    ("V_BPN_KANWIL", "Kantor Wilayah Badan Pertanahan Nasional (ATR/BPN) Provinsi Riau"),
    ("V_PLN", "PT PLN (Persero) Unit Induk Distribusi Riau dan Kepulauan Riau"),
    ("V_BPJSKES", "BPJS Kesehatan"),
    ("V_BPJSTK", "BPJS Ketenagakerjaan"),
    ("V_POLDA", "Kepolisian Daerah Riau (Polda Riau)"),
    ("V_KEMENAG_KANWIL", "Kantor Wilayah Kementerian Agama Provinsi Riau"),
    ("V_PTA", "Pengadilan Tinggi Agama Pekanbaru"),
    ("V_IMIGRASI_KANWIL", "Kantor Wilayah Direktorat Jenderal Imigrasi Riau"),
    ("V_BPJN", "Balai Pelaksanaan Jalan Nasional Riau"),
    ("V_SAMSAT", "Samsat Provinsi Riau (Bapenda, Polda Riau, Jasa Raharja)"),
    ("V_OMBUDSMAN", "Ombudsman Republik Indonesia Perwakilan Riau"),
    ("V_BPOM", "Balai Besar Pengawas Obat dan Makanan di Pekanbaru"),
    ("V_KPP", "Kantor Wilayah Direktorat Jenderal Pajak Riau"),
]

# Vertical bodies with an office per regency/city ("{place}" as above; "{town}": the court's
# or office's seat).
PER_REGENCY_VERTICAL = [
    ("BPN", "Kantor Pertanahan {place} (ATR/BPN)"),
    ("KEMENAG", "Kantor Kementerian Agama {place}"),
    ("POLRES", "Kepolisian Resor {short} (Polres)"),
    ("SAMSAT", "Samsat {short}"),
    ("PA", "Pengadilan Agama {court}"),
]
COURT_SEAT = {  # the seat the Pengadilan Agama is named after
    "14.01": "Bangkinang",
    "14.02": "Rengat",
    "14.03": "Bengkalis",
    "14.04": "Tembilahan",
    "14.05": "Pangkalan Kerinci",
    "14.06": "Pasir Pengaraian",
    "14.07": "Ujung Tanjung",
    "14.08": "Siak Sri Indrapura",
    "14.09": "Teluk Kuantan",
    "14.10": "Selatpanjang",
    "14.71": "Pekanbaru",
    "14.72": "Dumai",
}
IMIGRASI = {  # Kantor Imigrasi by the regency/city it sits in
    "14.71": "Kantor Imigrasi Kelas I TPI Pekanbaru",
    "14.72": "Kantor Imigrasi Kelas II TPI Dumai",
    "14.03": "Kantor Imigrasi Kelas II TPI Bengkalis",
    "14.10": "Kantor Imigrasi Kelas II TPI Selatpanjang",
    "14.04": "Kantor Imigrasi Kelas II Non TPI Tembilahan",
    "14.07": "Kantor Imigrasi Kelas II Non TPI Bagansiapiapi",
}


def build_regions(sql_path: str, commit: str, date: str) -> dict:
    text = Path(sql_path).read_text(encoding="utf-8")
    official = wilayah.parse(text, "14", sql_path)
    old = json.loads((ROOT / "regions/riau.json").read_text(encoding="utf-8"))
    meta = {r["code"]: r for r in old["regions"]}
    codes = official.codes
    regions = []
    for code in sorted(c for c in codes if wilayah.level(c) == 2):
        kept = meta.get(code, {})
        entry = {
            "code": code,
            "bps_code": kept.get("bps_code", ""),
            "name": codes[code],
            "short": kept.get("short", codes[code].replace("Kabupaten ", "").replace("Kota ", "")),
            "kind": kept.get("kind", "kota" if codes[code].startswith("Kota ") else "kabupaten"),
            "capital": kept.get("capital", ""),
            "timezone": kept.get("timezone", "Asia/Jakarta"),
            "aliases": REGION_ALIASES.get(code, []),
            "districts": [],
        }
        for d in sorted(c for c in codes if wilayah.level(c) == 3 and c.startswith(code + ".")):
            district = {"code": d, "name": codes[d]}
            if d in DISTRICT_ALIASES:
                district["aliases"] = DISTRICT_ALIASES[d]
            district["villages"] = [
                [v, codes[v]]
                for v in sorted(c for c in codes if wilayah.level(c) == 4 and c.startswith(d + "."))
            ]
            entry["districts"].append(district)
        regions.append(entry)
    return {
        "source": {
            "name": "cahyadsn/wilayah (transkripsi terbuka kode wilayah Kepmendagri)",
            "url": f"https://github.com/cahyadsn/wilayah/blob/{commit}/db/wilayah.sql",
            "legal_basis": official.legal_basis,
            "date": date,
            "licence": "MIT (LICENSE-wilayah.md di samping berkas ini)",
            "note": (
                "Kode Kemendagri sampai desa/kelurahan untuk Riau (14). Kuncinya kode "
                "Kemendagri seperti di NIK; bps_code adalah kode statistik BPS, yang berbeda "
                "untuk beberapa kabupaten (Bengkalis: 14.03, BPS 1408). Alias dicatat manual."
            ),
        },
        "province": old["province"],
        "regions": regions,
    }


def build_agencies(regions: dict, date: str) -> dict:
    agencies = [
        {"code": code, "name": name, "level": "provinsi", "region": "14"} for code, name in PROVINCE
    ]
    agencies += [
        {"code": code, "name": name, "level": "vertikal", "region": "14"} for code, name in VERTICAL
    ]
    for r in regions["regions"]:
        kind, short = r["kind"], r["short"]
        head = ("KOTA_" if kind == "kota" else "KAB_") + _head_suffix(r["code"], short)
        place = r["name"]
        agencies.append(
            {
                "code": head,
                "name": f"Pemerintah {place}",
                "level": kind,
                "region": r["code"],
                "head": True,
            }
        )
        for suffix, template in REGENCY_OPD:
            if suffix == "DPMD" and kind in NO_DPMD:
                continue
            agencies.append(
                {
                    "code": f"{head}_{suffix}",
                    "name": template.format(place=place),
                    "level": kind,
                    "region": r["code"],
                }
            )
        for d in r["districts"]:
            agencies.append(
                {
                    "code": f"{head}_CAMAT_{d['code'][3:5]}{d['code'][6:8]}",
                    "name": f"Kantor Camat {d['name']} ({short})",
                    "level": kind,
                    "region": r["code"],
                }
            )
        for suffix, template in PER_REGENCY_VERTICAL:
            agencies.append(
                {
                    "code": f"{head}_V_{suffix}",
                    "name": template.format(place=place, short=short, court=COURT_SEAT[r["code"]]),
                    "level": "vertikal",
                    "region": r["code"],
                }
            )
        if r["code"] in IMIGRASI:
            agencies.append(
                {
                    "code": f"{head}_V_IMIGRASI",
                    "name": IMIGRASI[r["code"]],
                    "level": "vertikal",
                    "region": r["code"],
                }
            )
    codes = [a["code"] for a in agencies]
    assert len(codes) == len(set(codes)) and max(map(len, codes)) <= 32
    assert all(re.fullmatch(r"[A-Z0-9_]+", c) for c in codes)
    return {
        "source": {
            "name": "Daftar instansi (OPD) Riau Meja Aduan",
            "url": "https://riau.go.id ; situs tiap kabupaten/kota",
            "legal_basis": (
                "PP 18/2016 tentang Perangkat Daerah (diubah dengan PP 72/2019); Perda Provinsi "
                "Riau tentang Perangkat Daerah"
            ),
            "date": date,
            "licence": "",
            "note": (
                "OPD provinsi dengan nama yang berlaku (BPBD dan Pemadam Kebakaran, BRIDA). Untuk "
                "tiap kabupaten/kota: perangkat daerah STANDAR menurut nomenklatur PP 18/2016 "
                "ditambah kantor camat; perbarui dari daftar kabupaten/kota itu sendiri (Perda "
                "SOTK). Instansi vertikal dan BUMN/BUMD (level vertikal) untuk provinsi dan tiap "
                "kabupaten/kota. Kode yang sudah dipakai tidak pernah diubah."
            ),
        },
        "agencies": agencies,
    }


HEAD = {  # the codes already given out for the regencies' own entries
    "14.01": "KAMPAR",
    "14.02": "INHU",
    "14.03": "BENGKALIS",
    "14.04": "INHIL",
    "14.05": "PELALAWAN",
    "14.06": "ROHUL",
    "14.07": "ROHIL",
    "14.08": "SIAK",
    "14.09": "KUANSING",
    "14.10": "MERANTI",
    "14.71": "PEKANBARU",
    "14.72": "DUMAI",
}


def _head_suffix(code: str, short: str) -> str:
    return HEAD.get(code) or short.upper().replace(" ", "")


def main() -> None:
    sql_path, commit, date = sys.argv[1:4]
    regions = build_regions(sql_path, commit, date)
    agencies = build_agencies(regions, dt.date.today().isoformat())  # compiled today
    for path, data in (("regions/riau.json", regions), ("agencies/riau.json", agencies)):
        text = json.dumps(data, ensure_ascii=False, indent=2)
        (ROOT / path).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
