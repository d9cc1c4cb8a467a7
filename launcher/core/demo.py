"""The demo profile written on first run into an empty home, so Leling shows real tiles."""

from __future__ import annotations

from typing import Any

#: What differs by the language Leling first starts in: the people, their phone numbers,
#: where they live (for the weather), and a news site a person reading that language
#: would use.
_PEOPLE_AND_SITES: dict[str, dict[str, str]] = {
    "zh_CN": {
        "hospital": "市医院 | 北京市东城区帅府园 1 号",
        "daughter_home": "李芳家 | 北京市朝阳区望京西园 2 号楼",
        "booking_phone": "114",
        "booking_page": "https://www.114yygh.com/",
        "senior": "王秀兰",
        "address": "北京市朝阳区幸福里 3 号楼 2 单元 501",
        "location": "39.9219,116.4436",
        "son": "王小明",
        "daughter": "李芳",
        "doctor": "张医生",
        "son_phone": "138 0013 8000",
        "daughter_phone": "139 0013 9000",
        "doctor_phone": "010 6512 3456",
        "news": "https://news.cctv.com/",
    },
    "zh_HK": {
        "hospital": "伊利沙伯醫院 | 九龍加士居道 30 號",
        "daughter_home": "李芳屋企 | 九龍塘沙福道 8 號",
        "booking_phone": "2300 6555",
        "booking_page": "https://www.ha.org.hk/",
        "senior": "王秀蘭",
        "address": "九龍油麻地幸福街 3 號 5 樓 A 室",
        "location": "22.3080,114.1716",
        "son": "王小明",
        "daughter": "李芳",
        "doctor": "張醫生",
        "son_phone": "9123 4567",
        "daughter_phone": "6123 4567",
        "doctor_phone": "2345 6789",
        "news": "https://news.rthk.hk/",
    },
    "en": {
        "hospital": "City Hospital | 1 Shuaifuyuan, Dongcheng",
        "daughter_home": "李芳's home | 2 Wangjing West Garden",
        "booking_phone": "114",
        "booking_page": "https://www.114yygh.com/",
        "senior": "Margaret Wang",
        "address": "3 Happy Lane, Flat 501",
        "location": "39.9219,116.4436",
        "son": "王小明",
        "daughter": "李芳",
        "doctor": "Dr Zhang",
        "son_phone": "138 0013 8000",
        "daughter_phone": "139 0013 9000",
        "doctor_phone": "010 6512 3456",
        "news": "https://www.bbc.com/news",
    },
    "ug": {
        "hospital": "شەھەرلىك دوختۇرخانا | ئۈرۈمچى، تەڭرىتاغ يولى 1-نومۇر",
        "daughter_home": "گۈلنۇرنىڭ ئۆيى | ئۈرۈمچى، دوستلۇق يولى 8-نومۇر",
        "booking_phone": "114",
        "booking_page": "https://www.114yygh.com/",
        "senior": "ئامىنە ئابدۇللا",
        "address": "ئۈرۈمچى شەھىرى، بەخت كوچىسى 3-بىنا 501-ئۆي",
        "location": "43.8256,87.6168",
        "son": "ئەخمەت",
        "daughter": "گۈلنۇر",
        "doctor": "دوختۇر مۇھەممەت",
        "son_phone": "138 0991 8000",
        "daughter_phone": "139 0991 9000",
        "doctor_phone": "0991 123 4567",
        "news": "http://uyghur.people.com.cn/",
    },
}


def demo_settings(locale: str) -> dict[str, Any]:
    """Settings for a first start: every everyday tile on two pages, and the family's
    contacts. What only the family can fill in (medicines, music, the medical card)
    starts empty and says so."""
    local = _PEOPLE_AND_SITES.get(locale, _PEOPLE_AND_SITES["en"])
    return {
        "locale": "auto",
        "theme": "warm",
        "text_scale": 100,
        "senior": {
            "name": local["senior"],
            "address": local["address"],
            "location": local["location"],
        },
        "grid": {"columns": 3, "rows": 3},
        "tiles": [
            {"plugin": "clock"},
            {"plugin": "contacts"},
            {"plugin": "videocall"},
            {"plugin": "photos"},
            {"plugin": "sos"},
            {
                "plugin": "taxi",
                # The booking number works with no account or server anywhere.
                "config": {
                    "destinations": [local["hospital"], local["daughter_home"]],
                    "providers": "phone",
                },
            },
            {
                "plugin": "booking",
                "config": {"phone": local["booking_phone"], "booking_page": local["booking_page"]},
            },
            {"plugin": "medicine"},
            {"plugin": "weather"},
            {"plugin": "music"},
            {"plugin": "mycard"},
            {
                "plugin": "web",
                "label": {"zh_CN": "新闻", "zh_HK": "新聞", "en": "News", "ug": "خەۋەرلەر"},
                "config": {"url": local["news"]},
            },
        ],
        "contacts": [
            {
                "name": local["son"],
                "relation": {"zh_CN": "儿子", "zh_HK": "兒子", "en": "Son", "ug": "ئوغلۇم"},
                "phone": local["son_phone"],
                "photo": "",
                "emergency": True,
            },
            {
                "name": local["daughter"],
                "relation": {"zh_CN": "女儿", "zh_HK": "女兒", "en": "Daughter", "ug": "قىزىم"},
                "phone": local["daughter_phone"],
                "photo": "",
                "emergency": True,
            },
            {
                "name": local["doctor"],
                "relation": {
                    "zh_CN": "家庭医生",
                    "zh_HK": "家庭醫生",
                    "en": "Family doctor",
                    "ug": "ئائىلە دوختۇرى",
                },
                "phone": local["doctor_phone"],
                "photo": "",
            },
        ],
    }
