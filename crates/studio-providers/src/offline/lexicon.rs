//! Words and sentence parts the offline writer composes from. Everything is original text written for the studio.

use studio_domain::Genre;

pub const SURNAMES: &[&str] = &[
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황",
    "안", "송", "류", "홍",
];
pub const MALE_GIVEN: &[&str] = &[
    "민준", "지훈", "현우", "도윤", "건우", "준서", "태윤", "시우", "정호", "승민", "재원", "동현",
    "우진", "상철", "영수", "규민",
];
pub const FEMALE_GIVEN: &[&str] = &[
    "수진", "하늘", "서연", "지민", "예린", "소영", "민서", "유진", "다은", "혜원", "미경", "은비",
    "채원", "나연", "정숙", "보람",
];

/// One role in a genre's standard cast.
pub struct RoleSpec {
    pub role: &'static str,
    pub importance: &'static str,
    pub male: bool,
    pub age: (u32, u32),
    pub occupations: &'static [&'static str],
    pub personality: &'static [&'static str],
    pub goal: &'static str,
    /// A secret the character keeps (empty: none).
    pub secret: &'static str,
}

#[allow(clippy::too_many_arguments)] // a table row; named fields would triple the table
const fn r(
    role: &'static str,
    importance: &'static str,
    male: bool,
    age: (u32, u32),
    occupations: &'static [&'static str],
    personality: &'static [&'static str],
    goal: &'static str,
    secret: &'static str,
) -> RoleSpec {
    RoleSpec {
        role,
        importance,
        male,
        age,
        occupations,
        personality,
        goal,
        secret,
    }
}

pub const ROMANCE_CAST: &[RoleSpec] = &[
    r(
        "주인공(남)",
        "main",
        true,
        (27, 31),
        &["스타트업 대표", "건축가", "셰프"],
        &["다정함", "고집스러움", "책임감"],
        "꿈을 이루고 진짜 사랑을 찾는다",
        "첫 사업을 말아먹고 빚을 진 과거",
    ),
    r(
        "주인공(여)",
        "main",
        false,
        (24, 29),
        &["웹툰 작가", "작곡가", "플로리스트"],
        &["창의적", "독립적", "낯가림"],
        "자신의 이름으로 당당히 서는 것",
        "유명 작가라는 정체를 숨기고 있음",
    ),
    r(
        "남주의 절친",
        "major_supporting",
        true,
        (27, 32),
        &["변호사", "회계사"],
        &["이성적", "의리", "무뚝뚝함"],
        "친구를 지키는 것",
        "",
    ),
    r(
        "여주의 절친",
        "major_supporting",
        false,
        (24, 29),
        &["카페 사장", "간호사"],
        &["밝음", "수다스러움", "따뜻함"],
        "가게 2호점",
        "",
    ),
    r(
        "라이벌",
        "major_supporting",
        true,
        (32, 38),
        &["벤처투자자", "호텔 상속자"],
        &["야심참", "냉철함", "전략적"],
        "원하는 것을 모두 손에 넣는 것",
        "여주에게 마음이 있음",
    ),
    r(
        "남주의 전 연인",
        "major_supporting",
        false,
        (26, 30),
        &["패션 디자이너", "아나운서"],
        &["세련됨", "자신감", "집착"],
        "옛 연인과의 재회",
        "헤어진 진짜 이유를 숨김",
    ),
    r(
        "남주의 아버지",
        "supporting",
        true,
        (55, 62),
        &["은퇴한 대기업 임원", "한의사"],
        &["엄격함", "전통적", "가족애"],
        "아들의 안정된 삶",
        "",
    ),
    r(
        "여주의 어머니",
        "supporting",
        false,
        (50, 56),
        &["주부", "반찬가게 사장"],
        &["따뜻함", "걱정 많음", "헌신적"],
        "딸의 행복",
        "",
    ),
    r(
        "남주의 여동생",
        "supporting",
        false,
        (22, 25),
        &["대학원생", "신입 PD"],
        &["똑똑함", "발랄함", "오지랖"],
        "논문 통과",
        "",
    ),
    r(
        "여주의 남동생",
        "supporting",
        true,
        (20, 23),
        &["대학생", "게임 스트리머"],
        &["게임광", "내향적", "누나바라기"],
        "대회 우승",
        "",
    ),
    r(
        "카페 아르바이트생",
        "minor",
        false,
        (20, 23),
        &["대학생"],
        &["수줍음", "관찰력"],
        "학비 마련",
        "",
    ),
    r(
        "회사 직원",
        "minor",
        true,
        (40, 48),
        &["과장", "팀장"],
        &["성실함", "충성심"],
        "회사를 지키는 것",
        "",
    ),
];

pub const THRILLER_CAST: &[RoleSpec] = &[
    r(
        "강력계 형사",
        "main",
        true,
        (33, 40),
        &["강력계 형사"],
        &["집요함", "직감적", "상처 많음"],
        "사건의 진실을 밝힌다",
        "파트너를 잃은 사건의 기록을 조작했음",
    ),
    r(
        "탐사보도 기자",
        "main",
        false,
        (28, 34),
        &["탐사보도 기자"],
        &["대담함", "끈질김", "예리함"],
        "특종과 정의",
        "피해자와 아는 사이였음",
    ),
    r(
        "파트너 형사",
        "major_supporting",
        true,
        (27, 31),
        &["형사"],
        &["성실함", "순진함", "용감함"],
        "선배에게 인정받는 것",
        "",
    ),
    r(
        "법의학자",
        "major_supporting",
        false,
        (35, 42),
        &["법의학자"],
        &["냉정함", "꼼꼼함", "독설"],
        "증거로 말하는 것",
        "",
    ),
    r(
        "첫 번째 용의자",
        "major_supporting",
        true,
        (38, 45),
        &["제약회사 이사"],
        &["오만함", "계산적", "신경질적"],
        "회사를 지키는 것",
        "회사의 임상 자료를 은폐했음",
    ),
    r(
        "진범",
        "major_supporting",
        false,
        (30, 36),
        &["피해자의 비서", "상담사"],
        &["온화함", "치밀함", "차가움"],
        "아무도 모르게 복수를 끝낸다",
        "연쇄 사건의 진범임",
    ),
    r(
        "반장",
        "supporting",
        true,
        (50, 56),
        &["강력계 반장"],
        &["노련함", "정치적", "피곤함"],
        "조용한 은퇴",
        "",
    ),
    r(
        "희생자의 어머니",
        "supporting",
        false,
        (55, 62),
        &["식당 주인"],
        &["강인함", "슬픔", "끈기"],
        "딸의 억울함을 푸는 것",
        "",
    ),
    r(
        "정보원",
        "supporting",
        true,
        (25, 30),
        &["해커", "퀵서비스 기사"],
        &["눈치 빠름", "비겁함", "의리"],
        "빚을 갚는 것",
        "",
    ),
    r(
        "두 번째 용의자",
        "supporting",
        true,
        (26, 30),
        &["피해자의 전 남자친구"],
        &["충동적", "억울함", "거침"],
        "누명을 벗는 것",
        "",
    ),
    r(
        "목격자",
        "minor",
        false,
        (19, 23),
        &["편의점 아르바이트생"],
        &["겁 많음", "정직함"],
        "평범한 일상",
        "",
    ),
    r(
        "국선 변호사",
        "minor",
        true,
        (40, 46),
        &["변호사"],
        &["원칙주의", "지침"],
        "의뢰인의 권리",
        "",
    ),
];

pub const COMEDY_CAST: &[RoleSpec] = &[
    r(
        "치킨집 사장",
        "main",
        true,
        (33, 38),
        &["치킨집 사장"],
        &["허당", "열정 과다", "의리"],
        "동네 최고의 가게",
        "사실 닭을 무서워함",
    ),
    r(
        "신입 아르바이트생",
        "main",
        false,
        (23, 27),
        &["취업준비생 겸 아르바이트생"],
        &["당당함", "엉뚱함", "승부욕"],
        "정규직 취업",
        "재벌가 막내딸이라는 것",
    ),
    r(
        "맞은편 피자집 사장",
        "major_supporting",
        true,
        (34, 39),
        &["피자집 사장"],
        &["허세", "경쟁심", "귀여움"],
        "치킨집을 이기는 것",
        "",
    ),
    r(
        "배달 기사",
        "major_supporting",
        true,
        (28, 33),
        &["배달 기사"],
        &["낙천적", "수다쟁이", "눈치 없음"],
        "배달왕 등극",
        "",
    ),
    r(
        "단골 손님",
        "major_supporting",
        false,
        (29, 34),
        &["웹소설 작가"],
        &["관찰력", "엉뚱함", "냉소적"],
        "히트작 한 편",
        "가게 사람들을 소설 주인공으로 쓰고 있음",
    ),
    r(
        "건물주 할머니",
        "major_supporting",
        false,
        (68, 75),
        &["건물주"],
        &["깐깐함", "정 많음", "고집"],
        "건물의 평화",
        "",
    ),
    r(
        "사장의 어머니",
        "supporting",
        false,
        (58, 64),
        &["미용실 원장"],
        &["잔소리", "자식 사랑", "호탕함"],
        "아들 장가보내기",
        "",
    ),
    r(
        "알바생의 오빠",
        "supporting",
        true,
        (29, 33),
        &["회사원"],
        &["과보호", "진지함", "허술함"],
        "동생 데려가기",
        "",
    ),
    r(
        "옆집 고등학생",
        "supporting",
        true,
        (17, 18),
        &["고등학생"],
        &["건방짐", "솔직함", "먹보"],
        "공짜 치킨",
        "",
    ),
    r(
        "동네 통장",
        "supporting",
        false,
        (45, 52),
        &["통장"],
        &["오지랖", "소문내기", "추진력"],
        "동네 축제 성공",
        "",
    ),
    r(
        "보건소 직원",
        "minor",
        true,
        (30, 35),
        &["위생 점검원"],
        &["원칙주의", "소심함"],
        "무사고 점검",
        "",
    ),
    r(
        "유튜버",
        "minor",
        false,
        (22, 26),
        &["먹방 유튜버"],
        &["과장됨", "밝음"],
        "구독자 100만",
        "",
    ),
];

pub fn cast_for(g: Genre) -> &'static [RoleSpec] {
    match g {
        Genre::Thriller => THRILLER_CAST,
        Genre::Comedy => COMEDY_CAST,
        Genre::Romance | Genre::Other => ROMANCE_CAST,
    }
}

/// Relationships between roster positions: (a, b, type, intimacy, status).
pub fn relationships_for(g: Genre) -> &'static [(usize, usize, &'static str, u8, &'static str)] {
    match g {
        Genre::Thriller => &[
            (0, 1, "불편한 공조", 3, "경계"),
            (0, 2, "선후배", 7, "신뢰"),
            (0, 3, "동료", 5, "티격태격"),
            (0, 6, "상사와 부하", 5, "갈등중"),
            (1, 7, "취재원", 4, "조심스러움"),
            (1, 8, "거래 관계", 4, "이용"),
            (4, 5, "상사와 비서", 6, "비밀스러움"),
            (5, 7, "지인", 6, "위로"),
            (0, 4, "수사관과 용의자", 1, "적대"),
            (9, 10, "지인", 3, "어색함"),
            (9, 11, "의뢰인과 변호사", 4, "불신"),
        ],
        Genre::Comedy => &[
            (0, 1, "사장과 알바생", 3, "티격태격"),
            (0, 2, "앙숙", 2, "전쟁중"),
            (0, 3, "단짝", 8, "돈독함"),
            (1, 4, "손님과 점원", 5, "호기심"),
            (0, 5, "세입자와 건물주", 4, "긴장"),
            (0, 6, "모자", 8, "잔소리"),
            (1, 7, "남매", 7, "과보호"),
            (0, 8, "동네 형과 꼬마", 6, "공짜 치킨"),
            (5, 9, "동네 친구", 7, "소문 공유"),
            (2, 11, "광고주와 유튜버", 4, "계약"),
            (3, 10, "지인", 3, "어색함"),
        ],
        Genre::Romance | Genre::Other => &[
            (0, 1, "초면", 1, "만남 전"),
            (0, 2, "절친", 9, "돈독함"),
            (1, 3, "절친", 9, "돈독함"),
            (0, 4, "라이벌", 3, "긴장"),
            (0, 5, "전 연인", 4, "연락 끊김"),
            (0, 6, "부자", 5, "갈등중"),
            (1, 7, "모녀", 8, "다정함"),
            (0, 8, "남매", 8, "다정함"),
            (1, 9, "남매", 8, "다정함"),
            (3, 10, "사장과 아르바이트생", 6, "원만함"),
            (0, 11, "상사와 직원", 6, "신뢰"),
        ],
    }
}

pub const TONES: &[&str] = &[
    "warm",
    "soft",
    "serious",
    "cheerful",
    "authoritative",
    "sophisticated",
    "deep",
    "caring",
    "bright",
    "youthful",
    "husky",
    "crisp",
    "gentle",
    "playful",
];
pub const STYLES: &[&str] = &[
    "confident",
    "thoughtful",
    "articulate",
    "energetic",
    "calculating",
    "assertive",
    "formal",
    "gentle",
    "casual",
    "shy",
    "blunt",
    "dramatic",
    "dry",
    "chatty",
];

/// Places by genre: (Korean, English for video prompts).
pub fn places_for(g: Genre) -> &'static [(&'static str, &'static str)] {
    match g {
        Genre::Thriller => &[
            ("강력계 사무실", "a cluttered police detective office"),
            ("비 내리는 골목", "a narrow rain-soaked Seoul alley"),
            ("부검실", "a cold sterile autopsy room"),
            ("신문사 편집국", "a busy newspaper newsroom"),
            ("제약회사 로비", "a glossy pharmaceutical company lobby"),
            ("폐공장", "an abandoned factory with broken windows"),
            ("한강 다리 아래", "the shadows beneath a Han River bridge"),
            ("취조실", "a bare interrogation room with one lamp"),
            (
                "피해자의 아파트",
                "a quiet apartment sealed with police tape",
            ),
            ("포장마차", "a tented street food stall"),
        ],
        Genre::Comedy => &[
            ("치킨집 주방", "a small busy fried chicken shop kitchen"),
            ("치킨집 홀", "a cozy neighborhood chicken restaurant hall"),
            ("피자집 앞", "the storefront of a rival pizza shop"),
            ("동네 골목", "a lively residential Seoul alley"),
            ("건물 옥상", "a rooftop with laundry lines and plants"),
            ("미용실", "a retro neighborhood hair salon"),
            (
                "동네 공원",
                "a small neighborhood park with exercise machines",
            ),
            (
                "편의점 앞 테이블",
                "plastic tables outside a convenience store",
            ),
            ("주민센터", "a community center meeting room"),
            ("시장 골목", "a crowded traditional market lane"),
        ],
        Genre::Romance | Genre::Other => &[
            ("성수동 카페", "a sunlit cafe in Seongsu-dong"),
            ("스타트업 사무실", "a bright open-plan startup office"),
            ("작업실", "a cozy artist studio full of sketches"),
            ("한강 공원", "a riverside park along the Han River"),
            ("옥상 정원", "a rooftop garden with string lights"),
            ("골목 서점", "a quiet independent bookstore"),
            ("본가 거실", "a traditional family living room"),
            ("회사 로비", "a modern glass office lobby"),
            ("포장마차", "a tented street food stall"),
            ("버스 정류장", "a city bus stop"),
        ],
    }
}

/// Times of day: (Korean, English light description, is night).
pub const TIMES: &[(&str, &str, bool)] = &[
    ("아침", "soft morning", false),
    ("낮", "bright midday", false),
    ("오후", "warm afternoon", false),
    ("저녁", "golden dusk", false),
    ("밤", "moody night", true),
    ("새벽", "cold blue dawn", true),
];

/// Emotions: (Korean, English for prompts and clip rules).
pub const EMOTIONS: &[(&str, &str)] = &[
    ("설렘", "emotional"),
    ("긴장", "intense"),
    ("분노", "dramatic"),
    ("슬픔", "emotional"),
    ("호기심", "curious"),
    ("안도", "calm"),
    ("당황", "surprised"),
    ("평온", "calm"),
    ("의심", "tense"),
    ("기쁨", "exciting"),
];

pub fn atmosphere_for(g: Genre, phase_index: usize) -> &'static [&'static str] {
    match (g, phase_index) {
        (Genre::Thriller, 0) => &["불길함", "미스터리"],
        (Genre::Thriller, _) => &["긴장", "추격", "침묵"],
        (Genre::Comedy, _) => &["소동", "유쾌함", "어색함"],
        (_, 0) => &["설렘", "어색함"],
        (_, 2) => &["갈등", "긴장"],
        _ => &["로맨틱", "따뜻함", "쓸쓸함"],
    }
}

/// Beats of the story each outline can use (with {A} and {B} for the two leads, {C} for a third character).
pub fn beats_for(g: Genre) -> &'static [&'static str] {
    match g {
        Genre::Thriller => &[
            "{A}와 {B}가 새로운 단서를 두고 충돌한다",
            "{C}의 알리바이에 구멍이 드러난다",
            "{A}가 윗선의 수사 중단 압박을 받는다",
            "{B}가 익명의 제보를 받고 위험한 곳으로 향한다",
            "두 번째 희생자가 발견된다",
            "{C}가 결정적인 증거를 숨기려 한다",
            "{A}의 과거가 수사의 발목을 잡는다",
        ],
        Genre::Comedy => &[
            "{A}의 신메뉴 개발이 대참사로 끝난다",
            "{B}의 정체가 들킬 뻔한 소동이 벌어진다",
            "{C}가 가게에 엉뚱한 이벤트를 벌인다",
            "동네 축제를 앞두고 두 가게가 맞붙는다",
            "{A}와 {B}가 서로를 오해하고 냉전에 들어간다",
            "위생 점검 날 모든 일이 꼬인다",
            "{C}의 소문이 동네를 뒤집어 놓는다",
        ],
        Genre::Romance | Genre::Other => &[
            "{A}와 {B}가 일 때문에 하루를 함께 보낸다",
            "{C}가 두 사람 사이에 끼어든다",
            "{A}가 {B}를 위해 작은 용기를 낸다",
            "{B}가 {A}의 다른 얼굴을 보게 된다",
            "오해로 두 사람이 멀어진다",
            "{A}의 가족이 두 사람의 관계를 알게 된다",
            "{B}가 중요한 기회를 앞두고 흔들린다",
        ],
    }
}

/// Milestone beats: (element, what happens).
pub fn milestone_text(element: &str) -> &'static str {
    match element {
        "first_meeting" => "{A}와 {B}가 최악의 첫 만남을 갖는다",
        "growing_interest" => "{A}가 {B}에게 자꾸 눈길이 가는 자신을 깨닫는다",
        "first_conflict" => "{A}와 {B}가 처음으로 크게 다툰다",
        "confession" => "{A}가 {B}에게 마음을 고백한다",
        "major_crisis" => "{C} 때문에 {A}와 {B}의 관계가 최대 위기를 맞는다",
        "resolution" => "{A}와 {B}가 모든 오해를 풀고 함께할 미래를 택한다",
        "inciting_incident" => "의문의 사건이 벌어지고 {A}가 사건을 맡는다",
        "red_herrings" => "모든 증거가 {C}를 가리키지만 어딘가 이상하다",
        "clue_revelations" => "{B}가 사건을 뒤집을 결정적 단서를 찾는다",
        "false_climax" => "{C}가 체포되며 사건이 끝난 듯 보인다",
        "true_villain_reveal" => "{A}와 {B}가 진범의 정체에 다가선다",
        "character_quirks" => "{A}와 {B}가 서로의 황당한 버릇을 처음 목격한다",
        "misunderstandings" => "작은 오해가 동네 전체의 소동으로 번진다",
        "running_gags" => "{C}의 반복되는 실수가 또다시 사고를 친다",
        "slapstick_moments" => "가게에서 밀가루와 소스가 날아다니는 대소동이 벌어진다",
        "heartwarming_resolution" => "소동 끝에 모두가 한 식탁에 모여 웃는다",
        _ => "{A}와 {B}에게 큰 변화가 찾아온다",
    }
}

pub const HOOKS: &[&str] = &[
    "{place}에서 {A}의 휴대폰이 울린다",
    "{B}가 누군가를 피해 {place}로 뛰어든다",
    "{A}가 낯선 상자를 발견한다",
    "{place}의 불이 갑자기 꺼진다",
    "{B}가 {A}의 이름을 부르며 멈춰 선다",
    "{C}가 의미심장한 미소를 짓는다",
];

pub const CLIFFHANGERS: &[&str] = &[
    "{C}가 {A}에게 숨겨 온 사실을 털어놓으려는 순간 전화가 끊긴다",
    "{B}의 눈앞에 있어서는 안 될 사람이 나타난다",
    "{A}가 {B}의 비밀을 암시하는 사진을 손에 넣는다",
    "문 밖에서 {C}가 모든 대화를 듣고 있었다",
    "{A}에게 도착한 문자 한 통이 모든 것을 뒤집는다",
    "{B}가 떠나겠다는 말을 남기고 사라진다",
];

/// Line parts. Cores are grouped by what the scene is doing; the writer draws each pool without replacement, so
/// an episode says a core once before any core twice. Openers and tails vary a core's start and end; a tail is
/// used at most once an episode (repeated tails are what a listener hears first).
pub const OPENERS: &[&str] = &[
    "야, ",
    "근데 ",
    "솔직히 ",
    "있잖아, ",
    "잠깐만, ",
    "아니 ",
    "그러니까 ",
    "진짜 ",
    "그게, ",
    "음, ",
    "저기, ",
];
pub const TAILS: &[&str] = &[
    " 정말이야.",
    " 진짜로.",
    " 나 진심이야.",
    " 알지?",
    " 두고 봐.",
    " 약속할게.",
];

/// How characters refer to the matter at hand ({topic}): each works before 말이야, 때문이야, 때문에 and a comma.
pub const TOPICS: &[&str] = &[
    "그 일",
    "그 얘기",
    "어제 일",
    "그 문제",
    "그 사람 일",
    "그 약속",
    "그 비밀",
    "이번 일",
];

pub const CORE_PICKUP: &[&str] = &[
    "어젯밤 일 말이야. 아직도 믿기지가 않아.",
    "밤새 한숨도 못 잤어. 계속 그 장면이 떠올라서.",
    "그 일 있고 나서 머릿속이 온통 엉망이야.",
    "어제 그렇게 헤어지고 나서 계속 마음에 걸렸어.",
];
/// The first line of a first episode: the day starts wrong.
pub const CORE_FIRST: &[&str] = &[
    "이게 무슨 일이야? 아침부터 다들 왜 이래.",
    "오늘 하루 조용히 넘어가긴 글렀네.",
    "첫날부터 이럴 줄은 몰랐는데.",
    "방금 그 문자 봤어? 누가 보낸 거야?",
];
pub const CORE_OPEN: &[&str] = &[
    "{other}, 여기서 보네.",
    "오늘따라 {place} 분위기가 이상하지 않아?",
    "{other}, 잠깐 얘기 좀 할 수 있어?",
    "생각보다 일찍 왔네.",
    "일단 앉아. 할 얘기가 많아.",
    "밥은 먹었어? 얼굴이 말이 아니야.",
    "여기까지 어떻게 알고 왔어?",
    "{place}에서 만나자고 한 건 너였잖아.",
    "늦어서 미안. 오는 길에 일이 좀 있었어.",
    "오랜만이다. 그동안 연락 한 번을 안 하더라.",
    "왔구나. 안 올 줄 알았는데.",
    "문 닫아. 누가 들으면 곤란해.",
    "커피 한 잔 할래? 내가 살게.",
    "표정 보니까 좋은 소식은 아니네.",
    "{other}, 마침 찾고 있었어.",
    "여기 자리 비었어? 잠깐만 앉을게.",
];
pub const CORE_PROBE: &[&str] = &[
    "그래서 결국 어떻게 하기로 했는데?",
    "너 나한테 숨기는 거 있지?",
    "{topic} 말이야, 어디까지 알고 있어?",
    "왜 그런 표정이야? 무슨 일 있었어?",
    "그 사람이 정말 그렇게 말했다고?",
    "그럼 지금 나보고 믿으라는 거야?",
    "이번엔 확실한 거지?",
    "그 얘기 누구한테 들었어?",
    "언제부터 알고 있었던 거야?",
    "{topic} 때문에 그런 거 맞지?",
    "내가 모르는 게 또 있어?",
    "그날 밤에 어디 있었어?",
    "왜 하필 지금 그 얘기를 꺼내는 건데?",
    "다른 사람들도 다 알아?",
    "너라면 어떻게 할 것 같아?",
    "그게 사실이면 왜 이제야 말해?",
];
pub const CORE_ANSWER: &[&str] = &[
    "나도 아직 잘 모르겠어.",
    "말하자면 길어. 근데 이번엔 피하지 않을게.",
    "그건 내가 알아서 할게.",
    "{topic} 때문이야. 더는 못 본 척 못 하겠어.",
    "솔직히 무서워. 그래도 해 볼 거야.",
    "네가 생각하는 그런 거 아니야.",
    "조금만 시간을 줘. 정리되면 다 말할게.",
    "이미 늦었을지도 몰라.",
    "처음부터 다 말하지 못해서 미안해.",
    "나도 어제 처음 알았어.",
    "그 사람 말은 반만 믿어.",
    "지금은 그것밖에 말 못 해.",
    "너까지 휘말리게 하고 싶지 않았어.",
    "확실하지 않은 걸로 널 흔들고 싶지 않았어.",
    "알아. 내가 잘못한 거.",
    "그래서 더 조심해야 돼.",
];
/// Quick reactions: surprise, doubt, a beat before the next turn.
pub const CORE_REACT: &[&str] = &[
    "진짜? 그게 말이 돼?",
    "잠깐, 다시 말해 봐.",
    "하, 기가 막혀서 말이 안 나오네.",
    "그렇게 나올 줄 알았어.",
    "웃기지 마. 그 말을 누가 믿어.",
    "그래서, 이제 와서 어쩌라고?",
    "설마 그것까지 알고 있었어?",
    "알았어. 일단 네 말 들어 볼게.",
    "너 지금 떨고 있어.",
    "그만. 더 듣고 싶지 않아.",
    "뭐라고? 누가 그랬는데?",
    "그 눈빛, 거짓말할 때 나오는 거잖아.",
    "좋아. 그럼 증명해 봐.",
    "말도 안 돼. 어제까지만 해도 아무렇지 않았잖아.",
    "왜 나한테만 이래?",
    "그래, 네 말이 맞을지도 몰라.",
];
pub const CORE_PUSH: &[&str] = &[
    "언제까지 그렇게 혼자 다 떠안을 건데?",
    "이번에도 그냥 넘어가면 나 진짜 화낼 거야.",
    "{other}, 지금 그게 중요한 게 아니잖아.",
    "우리 이대로는 안 돼. 알잖아.",
    "한 번만, 딱 한 번만 나를 믿어 봐.",
    "네가 그러니까 다들 오해하는 거야.",
    "도망치지 마. 이번엔 끝까지 들어.",
    "더 늦기 전에 다 말해.",
    "계속 이렇게 숨기면 결국 다 잃어.",
    "지금 결정해. 나랑 같이 갈 거야, 말 거야?",
    "변명은 그만하고 사실만 말해.",
    "{topic}, 이대로 덮을 생각이야?",
    "네 편 들어 주는 것도 이제 한계야.",
    "눈 똑바로 보고 다시 말해 봐.",
];
pub const CORE_SOFT: &[&str] = &[
    "고마워. 네가 있어서 버틸 수 있었어.",
    "괜찮아. 천천히 해도 돼.",
    "나 요즘 너 생각 자주 해.",
    "그 말 들으니까 좀 살 것 같다.",
    "다음엔 내가 먼저 연락할게.",
    "웃으니까 좋네. 자주 웃어.",
    "오늘은 아무 생각 말고 푹 자.",
    "네 잘못 아니야. 그러니까 그만 자책해.",
    "무슨 일 있으면 바로 전화해. 몇 시든 상관없어.",
    "같이 있어 줘서 고마워.",
    "힘들면 힘들다고 말해도 돼.",
    "나는 네 편이야. 처음부터 그랬어.",
    "따뜻한 거라도 마시고 가.",
    "오늘 네 얼굴 보니까 마음이 놓인다.",
];
pub const CORE_GENRE_ROMANCE: &[&str] = &[
    "{other} 옆에 있으면 이상하게 마음이 편해.",
    "그때 왜 아무 말도 안 했어?",
    "심장이 왜 이렇게 뛰는지 모르겠어.",
    "우리 그냥 친구로 지내는 게 맞을까?",
    "너 웃는 거 오랜만에 본다.",
    "계약은 계약이야. 마음까지 주면 안 되는 거였는데.",
    "손 잡아도 돼? 잠깐만.",
    "자꾸 신경 쓰이게 하지 마.",
    "그 사람 앞에서는 왜 그렇게 웃는데?",
    "나한테는 네가 처음이었어.",
    "이 거리에서 보니까 너 눈이 참 예쁘다.",
    "질투 아니야. 그냥 궁금해서 그래.",
    "네가 아프면 나도 아파.",
    "우리 처음 만난 날 기억나?",
    "가지 마. 오늘은 그냥 옆에 있어.",
    "이러면 나 정말 착각한다.",
];
pub const CORE_GENRE_THRILLER: &[&str] = &[
    "현장에 남은 흔적이 너무 깔끔해. 누군가 정리했어.",
    "시간이 안 맞아. 그 사람 알리바이 다시 확인해.",
    "이건 단순한 사고가 아니야.",
    "우리가 쫓는 게 아니라 쫓기고 있는 것 같아.",
    "CCTV 기록이 딱 그 시간만 비어 있어.",
    "전화 끊어. 이 번호 도청되고 있을지도 몰라.",
    "피해자 휴대폰 마지막 통화가 누구였지?",
    "문이 안에서 잠겨 있었어. 말이 안 되잖아.",
    "그 사람, 사건 전날 보험을 바꿨어.",
    "지문이 하나도 없어. 장갑을 낀 거야.",
    "목격자가 진술을 바꿨어. 누가 압력을 넣은 거야.",
    "발자국이 두 사람 거야. 혼자가 아니었어.",
    "서류가 통째로 사라졌어. 내부자 짓이야.",
    "뒤돌아보지 말고 걸어. 미행이 붙었어.",
    "이 사진, 찍힌 날짜가 이상해.",
    "누군가 우리보다 한 발 앞서 있어.",
];
pub const CORE_GENRE_COMEDY: &[&str] = &[
    "사장님, 튀김기에서 또 연기 나요!",
    "이번 신메뉴 이름은 내가 정할 거야.",
    "아니 그걸 왜 지금 말해!",
    "손님 앞에서만 멋있는 척하지 말라고요.",
    "배달 주소를 또 반대로 적었어?",
    "오늘 매출, 어제보다 딱 만 원 늘었어요. 축하해요.",
    "그 앞치마 제 거예요. 이름 쓰여 있잖아요.",
    "단골 할머니가 또 외상 달아 달래요.",
    "소스 비율 바꾼 사람 누구야? 맛이 이상해.",
    "전단지를 천 장이나 뽑았다고요?",
    "이 가게 와이파이 비밀번호가 왜 내 생일이에요?",
    "사장님 노래 부르지 마세요. 손님 도망가요.",
    "냉장고에 있던 케이크 누가 먹었어?",
    "리뷰에 별 하나 달렸어요. 이유가 사장님 농담이래요.",
    "오늘도 월급날이 아니라고요? 어제도 그랬잖아요.",
    "이번 달 목표는 망하지 않기. 딱 그것만.",
];
pub const CORE_RESOLVE: &[&str] = &[
    "{topic}, 이제 끝내자. 더는 미루지 않을게.",
    "알았어. {topic}, 내가 책임질게.",
    "결국 이렇게 풀리는구나.",
    "이제야 퍼즐이 다 맞춰졌어.",
];
pub const CORE_CLIFF: &[&str] = &[
    "잠깐, 저 사람 지금 여기서 뭐 하는 거야?",
    "이게 무슨 뜻이야? 설명해 봐.",
    "설마… 처음부터 다 알고 있었던 거야?",
    "방금 그 목소리… 분명히 들었어.",
    "문자가 왔어. 모르는 번호야. '다 알고 있다.'",
    "그럼 그동안 내가 믿은 건 다 뭐였어?",
];

pub const REACTIONS: &[&str] = &[
    "고개를 끄덕인다",
    "시선을 피한다",
    "피식 웃는다",
    "한숨을 쉰다",
    "놀라 눈을 크게 뜬다",
    "입술을 깨문다",
    "말없이 바라본다",
    "손을 멈춘다",
];

pub fn genre_cores(g: Genre) -> &'static [&'static str] {
    match g {
        Genre::Thriller => CORE_GENRE_THRILLER,
        Genre::Comedy => CORE_GENRE_COMEDY,
        Genre::Romance | Genre::Other => CORE_GENRE_ROMANCE,
    }
}

/// English phrases for video prompts.
pub const SHOT_TYPES: &[&str] = &[
    "Medium shot",
    "Close-up",
    "Wide shot",
    "Over-the-shoulder shot",
    "Two-shot",
    "Low angle shot",
];
pub const CAMERA: &[&str] = &[
    "slow push in",
    "gentle handheld movement",
    "slow pan left",
    "static tripod framing",
    "slow dolly right",
];
pub const ACTIONS_EN: &[&str] = &[
    "talking quietly face to face",
    "turning away in hesitation",
    "leaning forward to listen",
    "exchanging a long silent look",
    "walking side by side",
    "pausing mid-sentence",
];
pub fn grade_for(emotion_en: &str) -> &'static str {
    match emotion_en {
        "intense" | "dramatic" | "tense" => "high contrast teal and orange grade",
        "emotional" => "warm soft pastel grade",
        "calm" => "natural muted color grade",
        _ => "cinematic film grain, gentle warm tones",
    }
}

/// Episode titles: for milestone beats, and a pool for the rest.
pub fn milestone_title(element: &str) -> Option<&'static str> {
    Some(match element {
        "first_meeting" => "최악의 첫 만남",
        "growing_interest" => "자꾸 눈이 가는 사람",
        "first_conflict" => "첫 번째 다툼",
        "confession" => "고백",
        "major_crisis" => "무너지는 날",
        "resolution" => "다시, 봄",
        "inciting_incident" => "사건의 밤",
        "red_herrings" => "가짜 단서",
        "clue_revelations" => "결정적 단서",
        "false_climax" => "끝나지 않은 사건",
        "true_villain_reveal" => "진짜 얼굴",
        "character_quirks" => "이상한 사람들",
        "misunderstandings" => "오해는 눈덩이처럼",
        "running_gags" => "또 너야?",
        "slapstick_moments" => "밀가루 전쟁",
        "heartwarming_resolution" => "한 식탁에서",
        _ => return None,
    })
}

pub const TITLES: &[&str] = &[
    "엇갈린 마음",
    "비 오는 밤",
    "두 번째 기회",
    "거짓말의 무게",
    "닫힌 문",
    "낯선 전화",
    "한 발짝 더",
    "숨겨진 얼굴",
    "돌아온 사람",
    "약속",
    "흔들리는 밤",
    "마지막 퍼즐",
    "멈춘 시계",
    "첫눈",
    "선택의 시간",
    "어긋난 타이밍",
    "진심의 온도",
    "다시 만난 골목",
    "깨진 유리",
    "새벽의 고백",
];
