"""The demo profile written on first run into an empty home, so Leling shows real tiles."""

from __future__ import annotations

from typing import Any


def demo_settings(locale: str) -> dict[str, Any]:
    """Settings for a first start: a clock, the family's contacts and two useful sites."""
    chinese = locale.startswith("zh")
    return {
        "locale": "auto",
        "theme": "warm",
        "text_scale": 100,
        "senior": {
            "name": "王秀兰" if chinese else "Margaret Wang",
            "address": "北京市朝阳区幸福里 3 号楼 2 单元 501"
            if chinese
            else "3 Happy Lane, Flat 501",
        },
        "grid": {"columns": 3, "rows": 3},
        "tiles": [
            {"plugin": "clock"},
            {"plugin": "contacts"},
            {
                "plugin": "web",
                "label": {"zh_CN": "新闻", "en": "News"},
                "config": {
                    "url": "https://news.cctv.com/" if chinese else "https://www.bbc.com/news",
                },
            },
            {
                "plugin": "web",
                "label": {"zh_CN": "天气预报", "en": "Weather"},
                "config": {
                    "url": "https://www.weather.com.cn/"
                    if chinese
                    else "https://www.metoffice.gov.uk/",
                },
            },
        ],
        "contacts": [
            {
                "name": "王小明",
                "relation": {"zh_CN": "儿子", "en": "Son"},
                "phone": "138 0013 8000",
                "photo": "",
            },
            {
                "name": "李芳",
                "relation": {"zh_CN": "女儿", "en": "Daughter"},
                "phone": "139 0013 9000",
                "photo": "",
            },
            {
                "name": "张医生" if chinese else "Dr Zhang",
                "relation": {"zh_CN": "家庭医生", "en": "Family doctor"},
                "phone": "010 6512 3456",
                "photo": "",
            },
        ],
    }
