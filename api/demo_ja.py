"""The Japanese demo company (``mastermind seed-demo --locale ja``): only its texts.

A Japanese sales organization as the product is designed for (DESIGN 7.3): Asia/Tokyo,
amounts in yen, a fiscal year that starts in April, and people whose names carry a kana
reading, so that the people list sorts as a Japanese reader expects and a search for
``やまだ`` or ``ヤマダ`` finds 山田. The seeding code in api/demo.py is shared with the
English demo; this table mirrors the English one entry for entry (the same roles and
seniority in the same positions, the same clients' owners, the same number of ideas of each
kind), so the two demos have the same shape and differ only in what they say.

Emails are ASCII under a domain of their own (romanized ``given.family``, the order Japanese
companies use for addresses): they are what people type to sign in, and the domain keeps
this demo independent of the English one in the same database.
"""

from __future__ import annotations

from api.demo import DemoClient, DemoContact, DemoPerson, DemoProject, DemoTexts
from api.models import (
    BuyingRole,
    ClientStatus,
    ContributionKind,
    Locale,
    ProjectKind,
    ProjectStatus,
    Role,
    Seniority,
    SessionPurpose,
)

# Family name first, as written in Japanese; the reading in katakana, spaced the same.
_PEOPLE = [
    DemoPerson("小林 直樹", "naoki.kobayashi", Role.admin, Seniority.senior, ["業務管理"],
               "コバヤシ ナオキ"),
    DemoPerson("山田 太郎", "taro.yamada", Role.manager, Seniority.senior,
               ["製造業", "価格交渉", "大手企業"], "ヤマダ タロウ"),
    DemoPerson("佐々木 美咲", "misaki.sasaki", Role.rep, Seniority.senior,
               ["医療", "購買", "大手企業"], "ササキ ミサキ"),
    DemoPerson("田中 健太", "kenta.tanaka", Role.rep, Seniority.mid,
               ["物流", "製造業", "価格設定"], "タナカ ケンタ"),
    DemoPerson("伊藤 さくら", "sakura.ito", Role.rep, Seniority.junior,
               ["小売", "ソーシャルセリング"], "イトウ サクラ"),
    DemoPerson("渡辺 誠", "makoto.watanabe", Role.rep, Seniority.senior,
               ["エネルギー", "官公庁", "価格交渉"], "ワタナベ マコト"),
    DemoPerson("中村 愛", "ai.nakamura", Role.rep, Seniority.junior, ["医療", "SaaS"],
               "ナカムラ アイ"),
    DemoPerson("高橋 大輔", "daisuke.takahashi", Role.rep, Seniority.mid,
               ["小売", "物流", "キャンペーン"], "タカハシ ダイスケ"),
]  # fmt: skip

_PROJECTS = [
    DemoProject(0, ProjectKind.account, "さくらメディカル：生産ライン自動化の基本契約",
                "さくらメディカル", ProjectStatus.open, 12_000_000),
    DemoProject(1, ProjectKind.account, "東海ロジスティクス：初回受注",
                "東海ロジスティクス", ProjectStatus.open, 5_500_000),
    DemoProject(2, ProjectKind.account, "みどりマート：全店舗改装プログラム",
                "みどりマート", ProjectStatus.won, 15_800_000),
    DemoProject(3, ProjectKind.account, "北陸エナジー：入札への提案", "北陸エナジー",
                ProjectStatus.open, 24_000_000),
    DemoProject(None, ProjectKind.prospecting, "医療業界の新規開拓リスト（上期）",
                "医療業界の新規開拓", ProjectStatus.open, None),
    DemoProject(None, ProjectKind.campaign, "春の小売業向けキャンペーン",
                "春の小売キャンペーン", ProjectStatus.open, None),
]  # fmt: skip

JAPANESE = DemoTexts(
    organization="株式会社ノースウィンド産業",
    domain="northwind-jp.example",
    time_zone="Asia/Tokyo",
    currency="JPY",
    fiscal_year_start_month=4,
    locale=Locale.ja,
    people=_PEOPLE,
    team_name="法人営業第一部",
    team_description="首都圏・中部・関西の重点顧客を担当",
    clients=[
        DemoClient("株式会社さくらメディカル", "医療機器", ClientStatus.active, 2),
        DemoClient("東海ロジスティクス株式会社", "物流", ClientStatus.prospect, 3),
        DemoClient("株式会社みどりマート", "小売", ClientStatus.active, 4),
        DemoClient("北陸エナジー株式会社", "エネルギー", ClientStatus.prospect, 5),
        DemoClient("株式会社ひかりクリニックサービス", "医療", ClientStatus.dormant, 6),
        DemoClient("瀬戸内精工株式会社", "製造業", ClientStatus.active, 7),
    ],
    client_notes="{name}：{industry}分野の重点顧客。担当営業は先方の現場部門と関係が深い。",
    contacts=[
        DemoContact("佐藤 健一", "購買部 部長", BuyingRole.gatekeeper),
        DemoContact("鈴木 由美", "常務執行役員 COO", BuyingRole.decision_maker),
    ],
    projects=_PROJECTS,
    objective="総保有コストの低さを示し、基本契約の締結につなげる。",
    won_note="パイロット導入の成果を受けて契約締結。",
    purposes={
        SessionPurpose.targeting: "ターゲット選定",
        SessionPurpose.approach: "アプローチ検討",
        SessionPurpose.solution: "提案内容の検討",
    },
    session_title="{project}｜{purpose}",
    agenda="事前共有：先方について分かっていること、皆さんに知恵を借りたい点。時間厳守で進めます。",
    summary="ダウンタイムによる損失額から話を切り出し、パイロット導入を提案することで合意。",
    decisions=["ダウンタイムの損失額から商談を始める", "60日間のパイロット導入を提案する"],
    recommended_approach="まずCOOにROI試算を示して合意を取り、購買部への説明はその後にする。",
    ideas={
        ContributionKind.idea: [
            "製品説明から入らず、先方が前四半期に被ったダウンタイムの損失額から話を始める",
            "基本契約の前に、1ラインだけで60日間のパイロット導入を提案する",
            "研修時間をセットにして、購買部が単価ではなく総コストで比較できるようにする",
        ],
        ContributionKind.question: [
            "工場長より上で最終的に決裁するのはどなたか？",
            "現在の取引先との契約は今年度で更新時期を迎えるのか？",
        ],
        ContributionKind.insight: [
            "新任のCOOは当社の既存顧客の出身なので、その会社から推薦の声をもらえないか相談する",
            "来期の予算編成は12月に始まるので、提案書はその前に届けたい",
        ],
        ContributionKind.experience: [
            "似た案件では法務確認に6週間かかってキーマンの熱が冷めた。契約書のひな形は早めに渡しておく",
            "この規模の購買部門には、デモよりも書面のROI試算の方が響く",
        ],
        ContributionKind.risk: [
            "現在の取引先が値下げで引き留めにかかる可能性がある",
            "第3四半期（10〜12月）の納期枠が逼迫している",
        ],
        ContributionKind.resource: [
            "導入事例：瀬戸内精工様のパイロットで不良率18%削減",
            "共有ドライブの価格試算ツール（第3版）",
        ],
    },
    action_items=("ROI試算の1枚資料を作成する", "既存顧客に紹介を依頼する"),
    takeaway="最初にダウンタイムの損失を聞くだけで、商談の流れがまるごと変わる。",
    time_notes=["競合比較表を作成", "担当者と電話で打ち合わせ", "提案書の下書きをレビュー"],
    copy_project_title="{client} {number}：初回受注",
    copy_objective="初回受注を獲得する。",
    copy_session_title="{purpose} {number}",
    copy_summary="アプローチの方針で合意。",
    copy_decisions=["パイロット導入を提案する"],
    copy_recommended_approach="まずCOOから。",
    copy_time_note="事前準備",
)
