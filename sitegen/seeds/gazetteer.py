"""The word lists behind tag inference: pure data, no logic (see ``tagging`` for how they are used).

Country names come from ``pycountry``; this module adds what news copy actually writes: short names,
demonyms, capitals, international bodies, and the words that must never become a tag.
"""

from __future__ import annotations

# Display name per ISO 3166 alpha-2 code where pycountry's name is not what a reader expects
# ("Russian Federation", "Korea, Republic of"). Codes not listed use pycountry's common_name or name.
DISPLAY = {
    "RU": "Russia", "TR": "Turkey", "CZ": "Czech Republic", "CD": "Democratic Republic of the Congo",
    "CG": "Republic of the Congo", "BN": "Brunei", "CV": "Cape Verde", "CI": "Ivory Coast",
    "VA": "Vatican City", "FM": "Micronesia", "PS": "Palestine", "FK": "Falkland Islands",
    "MF": "Saint Martin", "SX": "Sint Maarten", "VG": "British Virgin Islands", "VI": "US Virgin Islands",
    "BQ": "Caribbean Netherlands", "SH": "Saint Helena", "CC": "Cocos Islands", "PN": "Pitcairn Islands",
    "MO": "Macau", "UM": "US Minor Outlying Islands",
}  # fmt: skip

# Names news copy uses for a country, beyond pycountry's own (matched case-sensitively).
COUNTRY_ALIASES = {
    "US": ["US", "U.S.", "USA", "U.S.A.", "America", "United States of America"],
    "GB": ["UK", "U.K.", "Britain", "Great Britain"],
    "RU": ["Russia"], "IR": ["Iran"], "SY": ["Syria"], "KR": ["South Korea", "Republic of Korea", "ROK"],
    "KP": ["North Korea", "DPRK"], "VN": ["Vietnam", "Viet Nam"], "TW": ["Taiwan"],
    "VE": ["Venezuela"], "BO": ["Bolivia"], "TZ": ["Tanzania"], "MD": ["Moldova"], "LA": ["Laos"],
    "CZ": ["Czech Republic", "Czechia"], "TR": ["Turkey", "Türkiye", "Turkiye"],
    "CN": ["PRC", "Mainland China"], "NL": ["Holland", "the Netherlands"], "MM": ["Burma"],
    "MK": ["Macedonia"], "SZ": ["Swaziland"], "TL": ["East Timor"], "CV": ["Cape Verde"],
    "CI": ["Ivory Coast", "Côte d'Ivoire", "Cote d'Ivoire"], "BN": ["Brunei"], "VA": ["Vatican"],
    "CD": ["DR Congo", "DRC", "Democratic Republic of Congo", "Democratic Republic of the Congo"],
    "CG": ["Republic of Congo", "Congo-Brazzaville"], "PS": ["Palestine", "State of Palestine"],
    "AE": ["UAE", "U.A.E.", "Emirates"], "SA": ["KSA"], "FM": ["Micronesia"], "MO": ["Macau"],
    "GM": ["The Gambia"], "PH": ["the Philippines"], "FK": ["Falkland Islands", "Falklands"],
}  # fmt: skip

# Demonyms and adjectives that stand for a country ("Chinese President Xi" is a mention of China).
# Plurals ending in "s" are added automatically unless the word ends in -ese, -sh, -ch or -ss.
DEMONYMS = {
    "AF": ["Afghan"], "AL": ["Albanian"], "DZ": ["Algerian"], "US": ["American"], "AO": ["Angolan"],
    "AR": ["Argentine", "Argentinian"], "AM": ["Armenian"], "AU": ["Australian"], "AT": ["Austrian"],
    "AZ": ["Azerbaijani"], "BH": ["Bahraini"], "BD": ["Bangladeshi"], "BY": ["Belarusian"],
    "BE": ["Belgian"], "BO": ["Bolivian"], "BA": ["Bosnian"], "BR": ["Brazilian"],
    "GB": ["British", "Briton", "Brit"], "BG": ["Bulgarian"], "KH": ["Cambodian"], "CM": ["Cameroonian"],
    "CA": ["Canadian"], "TD": ["Chadian"], "CL": ["Chilean"], "CN": ["Chinese"], "CO": ["Colombian"],
    "HR": ["Croatian"], "CU": ["Cuban"], "CY": ["Cypriot"], "CZ": ["Czech"], "DK": ["Danish", "Danes"],
    "NL": ["Dutch"], "EC": ["Ecuadorian"], "EG": ["Egyptian"], "AE": ["Emirati"], "ER": ["Eritrean"],
    "EE": ["Estonian"], "ET": ["Ethiopian"], "PH": ["Filipino", "Philippine"], "FI": ["Finnish", "Finns"],
    "FR": ["French"], "GE": ["Georgian"], "DE": ["German"], "GH": ["Ghanaian"], "GR": ["Greek"],
    "GT": ["Guatemalan"], "HT": ["Haitian"], "HN": ["Honduran"], "HU": ["Hungarian"],
    "IS": ["Icelandic"], "IN": ["Indian"], "ID": ["Indonesian"], "IR": ["Iranian"], "IQ": ["Iraqi"],
    "IE": ["Irish"], "IL": ["Israeli"], "IT": ["Italian"], "JM": ["Jamaican"], "JP": ["Japanese"],
    "JO": ["Jordanian"], "KZ": ["Kazakh", "Kazakhstani"], "KE": ["Kenyan"], "KW": ["Kuwaiti"],
    "KG": ["Kyrgyz"], "LA": ["Laotian"], "LV": ["Latvian"], "LB": ["Lebanese"], "LY": ["Libyan"],
    "LT": ["Lithuanian"], "MY": ["Malaysian"], "ML": ["Malian"], "MT": ["Maltese"], "MX": ["Mexican"],
    "MD": ["Moldovan"], "MN": ["Mongolian"], "MA": ["Moroccan"], "MZ": ["Mozambican"],
    "MM": ["Burmese"], "NA": ["Namibian"], "NP": ["Nepali", "Nepalese"], "NZ": ["New Zealander"],
    "NI": ["Nicaraguan"], "NG": ["Nigerian"], "NE": ["Nigerien"], "KP": ["North Korean"],
    "NO": ["Norwegian"], "OM": ["Omani"], "PK": ["Pakistani"], "PS": ["Palestinian"],
    "PA": ["Panamanian"], "PY": ["Paraguayan"], "PE": ["Peruvian"], "PL": ["Polish", "Poles"],
    "PT": ["Portuguese"], "QA": ["Qatari"], "RO": ["Romanian"], "RU": ["Russian"], "RW": ["Rwandan"],
    "SA": ["Saudi"], "SN": ["Senegalese"], "RS": ["Serbian", "Serb"], "SG": ["Singaporean"],
    "SK": ["Slovak"], "SI": ["Slovenian"], "SO": ["Somali"], "ZA": ["South African"],
    "KR": ["South Korean"], "SS": ["South Sudanese"], "ES": ["Spanish", "Spaniards"],
    "LK": ["Sri Lankan"], "SD": ["Sudanese"], "SE": ["Swedish", "Swedes"], "CH": ["Swiss"],
    "SY": ["Syrian"], "TW": ["Taiwanese"], "TJ": ["Tajik"], "TZ": ["Tanzanian"], "TH": ["Thai"],
    "TN": ["Tunisian"], "TR": ["Turkish", "Turks"], "TM": ["Turkmen"], "UG": ["Ugandan"],
    "UA": ["Ukrainian"], "UY": ["Uruguayan"], "UZ": ["Uzbek"], "VE": ["Venezuelan"],
    "VN": ["Vietnamese"], "YE": ["Yemeni"], "ZM": ["Zambian"], "ZW": ["Zimbabwean"],
}  # fmt: skip

# Capitals (and seats of government) that news copy uses to mean the country ("Moscow said").
# Left out on purpose: contested or shared names (Jerusalem, Brussels for the EU or Belgium).
CAPITALS = {
    "RU": ["Moscow", "Kremlin"], "CN": ["Beijing", "Peking"], "UA": ["Kyiv", "Kiev"],
    "US": ["Washington", "Washington DC", "Washington, D.C.", "White House"], "GB": ["London"],
    "FR": ["Paris", "Elysee", "Élysée"], "DE": ["Berlin"], "IT": ["Rome"], "ES": ["Madrid"],
    "PT": ["Lisbon"], "JP": ["Tokyo"], "KR": ["Seoul"], "KP": ["Pyongyang"], "TW": ["Taipei"],
    "IN": ["New Delhi", "Delhi"], "PK": ["Islamabad"], "AF": ["Kabul"], "IR": ["Tehran", "Teheran"],
    "IQ": ["Baghdad"], "SY": ["Damascus"], "LB": ["Beirut"], "JO": ["Amman"], "SA": ["Riyadh"],
    "QA": ["Doha"], "AE": ["Abu Dhabi"], "OM": ["Muscat"], "YE": ["Sanaa", "Sana'a"], "TR": ["Ankara"],
    "EG": ["Cairo"], "LY": ["Tripoli"], "TN": ["Tunis"], "DZ": ["Algiers"], "MA": ["Rabat"],
    "SD": ["Khartoum"], "ET": ["Addis Ababa"], "KE": ["Nairobi"], "UG": ["Kampala"], "RW": ["Kigali"],
    "ZA": ["Pretoria"], "NG": ["Abuja"], "GH": ["Accra"], "SN": ["Dakar"], "ML": ["Bamako"],
    "NE": ["Niamey"], "BF": ["Ouagadougou"], "CD": ["Kinshasa"], "AO": ["Luanda"], "ZW": ["Harare"],
    "ZM": ["Lusaka"], "MZ": ["Maputo"], "SO": ["Mogadishu"], "AU": ["Canberra"], "CA": ["Ottawa"],
    "MX": ["Mexico City"], "CU": ["Havana"], "VE": ["Caracas"], "CO": ["Bogota", "Bogotá"],
    "PE": ["Lima"], "EC": ["Quito"], "AR": ["Buenos Aires"], "BR": ["Brasilia", "Brasília"],
    "UY": ["Montevideo"], "PY": ["Asuncion", "Asunción"], "NI": ["Managua"], "HN": ["Tegucigalpa"],
    "HT": ["Port-au-Prince"], "IE": ["Dublin"], "NL": ["Amsterdam", "The Hague"], "CH": ["Bern"],
    "AT": ["Vienna"], "CZ": ["Prague"], "SK": ["Bratislava"], "HU": ["Budapest"], "PL": ["Warsaw"],
    "LT": ["Vilnius"], "LV": ["Riga"], "EE": ["Tallinn"], "FI": ["Helsinki"], "SE": ["Stockholm"],
    "NO": ["Oslo"], "DK": ["Copenhagen"], "IS": ["Reykjavik"], "BY": ["Minsk"],
    "MD": ["Chisinau", "Chișinău"], "RO": ["Bucharest"], "RS": ["Belgrade"], "HR": ["Zagreb"],
    "SI": ["Ljubljana"], "BA": ["Sarajevo"], "ME": ["Podgorica"], "MK": ["Skopje"], "AL": ["Tirana"],
    "GR": ["Athens"], "CY": ["Nicosia"], "MT": ["Valletta"], "GE": ["Tbilisi"], "AM": ["Yerevan"],
    "AZ": ["Baku"], "KZ": ["Astana"], "UZ": ["Tashkent"], "KG": ["Bishkek"], "TJ": ["Dushanbe"],
    "TM": ["Ashgabat"], "MN": ["Ulaanbaatar", "Ulan Bator"], "VN": ["Hanoi"], "LA": ["Vientiane"],
    "KH": ["Phnom Penh"], "TH": ["Bangkok"], "MM": ["Naypyidaw", "Naypyitaw"], "MY": ["Kuala Lumpur"],
    "ID": ["Jakarta"], "PH": ["Manila"], "BD": ["Dhaka"], "NP": ["Kathmandu"], "LK": ["Colombo"],
    "NZ": ["Wellington"], "BG": ["Sofia"],
}  # fmt: skip

# International bodies: display name -> the names and acronyms copy uses for them.
BODIES = {
    "United Nations": ["United Nations", "UN", "U.N.", "UN Security Council", "UNSC",
                       "United Nations Security Council", "Security Council", "UN General Assembly",
                       "United Nations General Assembly", "UNGA", "UN Secretary-General",
                       "UN Secretary General", "UN Human Rights Council"],
    "NATO": ["NATO", "Nato", "North Atlantic Treaty Organization", "North Atlantic Treaty Organisation",
             "North Atlantic Alliance"],
    "European Union": ["European Union", "EU", "E.U.", "European Commission", "European Council"],
    "World Health Organization": ["World Health Organization", "World Health Organisation", "WHO"],
    "International Monetary Fund": ["International Monetary Fund", "IMF"],
    "World Bank": ["World Bank"],
    "G7": ["G7", "G-7", "Group of Seven"],
    "G20": ["G20", "G-20", "Group of 20", "Group of Twenty"],
    "BRICS": ["BRICS", "Brics"],
    "ASEAN": ["ASEAN", "Asean", "Association of Southeast Asian Nations"],
    "African Union": ["African Union", "AU"],
    "OPEC": ["OPEC", "Opec", "OPEC+", "Organization of the Petroleum Exporting Countries"],
    "World Trade Organization": ["World Trade Organization", "World Trade Organisation", "WTO"],
    "International Atomic Energy Agency": ["International Atomic Energy Agency", "IAEA"],
    "International Criminal Court": ["International Criminal Court", "ICC"],
    "International Court of Justice": ["International Court of Justice", "ICJ", "World Court"],
    "Arab League": ["Arab League", "League of Arab States"],
    "Gulf Cooperation Council": ["Gulf Cooperation Council", "GCC"],
    "Shanghai Cooperation Organisation": ["Shanghai Cooperation Organisation",
                                          "Shanghai Cooperation Organization", "SCO"],
    "OSCE": ["OSCE", "Organization for Security and Co-operation in Europe",
             "Organisation for Security and Co-operation in Europe"],
    "OECD": ["OECD", "Organisation for Economic Co-operation and Development",
             "Organization for Economic Cooperation and Development"],
    "Interpol": ["Interpol", "INTERPOL"],
    "UNESCO": ["UNESCO", "Unesco"],
    "UNICEF": ["UNICEF", "Unicef"],
    "UNHCR": ["UNHCR", "UN Refugee Agency", "UN refugee agency"],
    "World Food Programme": ["World Food Programme", "World Food Program", "WFP"],
    "International Committee of the Red Cross": ["International Committee of the Red Cross", "ICRC"],
    "Commonwealth of Independent States": ["Commonwealth of Independent States", "CIS"],
    "Collective Security Treaty Organization": ["Collective Security Treaty Organization", "CSTO"],
    "Eurasian Economic Union": ["Eurasian Economic Union", "EAEU"],
}

# Phrases that contain a gazetteer word but name something else: matched first, then ignored.
BLOCKED_PHRASES = [
    "New Jersey", "New Mexico", "New South Wales", "Northern Ireland", "Latin America", "Latin American",
    "South America", "South American", "North America", "North American", "Central America",
    "Central American", "Native American", "African American", "Asian American", "General Assembly",
    "Washington Post", "Washington state", "Washington State", "Georgia state", "State of Georgia",
    "Paris Agreement", "Paris Hilton", "Jordan River", "Indian Ocean", "Sea of Japan",
    "English Channel", "Persian Gulf", "Korean Peninsula", "Turkish Airlines", "Human Rights",
]

# Place names that are also common given names or surnames ("Michael Jordan", "Denzel Washington"):
# in body text they count as places only when not directly joined to another capitalised word.
AMBIGUOUS_PLACES = frozenset({"Jordan", "Chad", "Washington", "Georgia", "Israel", "Paris", "Sofia", "Lima",
                              "Wellington", "Kingston", "Victoria", "Jersey", "Guernsey", "Delhi"})

# Job titles: words and phrases that introduce a name but are never part of one.
TITLE_PHRASES = [
    "National Security Adviser", "National Security Advisor", "Foreign Minister", "Foreign Secretary",
    "Secretary of State", "Defense Secretary", "Defence Secretary", "Defense Minister", "Defence Minister",
    "Secretary General", "Secretary-General", "Prime Minister", "Vice President", "Vice-President",
    "Deputy Prime Minister", "Foreign Affairs", "Foreign Ministry", "State Department",
    "Supreme Leader", "Chief Executive", "Chief of Staff", "Interior Minister", "Finance Minister",
    "Trade Minister", "Commerce Secretary", "Treasury Secretary", "Attorney General", "Press Secretary",
    "House Speaker", "Crown Prince", "Head of State", "Foreign Office", "Home Office", "Home Secretary",
    "Security Adviser", "Security Advisor", "Special Envoy",
]

TITLE_WORDS = frozenset("""
President Presidents Vice Prime Premier Minister Ministers Ministry Foreign Defense Defence Secretary
General Chancellor King Queen Prince Princess Crown Sheikh Emir Sultan Pope Ambassador Envoy Spokesman
Spokeswoman Spokesperson Senator Sen Rep Representative Congressman Congresswoman Governor Gov Mayor
Chairman Chairwoman Chair Chief Deputy Director Commander Gen Col Lt Maj Capt Admiral Adm Marshal
Officer Adviser Advisor Counsellor Councillor Speaker Leader Head Justice Judge Attorney Lord Lady Sir
Dame Mr Mrs Ms Miss Dr Prof Professor Rev Reverend Ayatollah Supreme Sgt Sergeant Lieutenant Colonel
Major Captain Diplomat Official Officials Correspondent Editor Reporter Analyst FM PM MP MPs CEO
""".split())  # noqa: SIM905 - a word list reads best as words

# Words that name institutions: a capitalised run containing one is an organisation, not a person.
INSTITUTION_WORDS = frozenset("""
Ministry Department Council Committee Party Parliament Congress Senate Government Agency Organization
Organisation Union Association Bank Court Assembly University College School Commission Office Army
Navy Forces Force Corps Guard House Hall Palace Embassy Consulate Company Corporation Group Inc Ltd
Foundation Institute Centre Center Alliance Treaty Coalition Federation Republic Kingdom Federal State
States Times Post News Agency Press Television TV Radio Airlines Airways Reserve Exchange Fund Summit
Forum Conference Cup League Club Olympics Games Bridge Street Square Airport Station Port Island Islands
Sea Ocean Gulf River Lake Mountains Valley War Cold Revolution Strait Peninsula Declaration Accord Pact
""".split())  # noqa: SIM905 - a word list reads best as words

# Capitalised words that open sentences or are otherwise never part of a name: function words,
# connectives, pronouns, time words, months and weekdays.
STOP_WORDS = frozenset("""
A An The And Or But Nor So Yet If Then Than As At By For From In Into Of On Onto Out Over To Under Up
Upon With Within Without About Above Across After Against Along Amid Amidst Among Around Before Behind
Below Beneath Beside Besides Between Beyond During Except Inside Near Off Since Through Throughout Till
Toward Towards Until Via Is Are Was Were Be Been Being Am Do Does Did Has Have Had Will Would Shall
Should May Might Must Can Could It Its It's This That These Those There Here He She They We I You Me
Him Her Them Us Our Ours Your Yours Their Theirs His Hers My Mine Who Whom Whose Which What When Where
Why How Whether While Whereas Although Though Because Unless Once Also Still Even Just Only Not No Yes
All Any Both Each Every Few Many Much More Most Other Another Some Several Such Own Same Meanwhile
However Moreover Furthermore Nevertheless Nonetheless Therefore Thus Hence Indeed Instead Otherwise
Accordingly Additionally Finally First Second Third Firstly Secondly Lastly Next Last Later Earlier
Now Today Tonight Yesterday Tomorrow Recently Currently Previously Already Again Soon Often Sometimes
According Despite Following Regarding Including Speaking Asked Asking Addressing Commenting Noting
Citing Responding Referring Saying Adding Describing Calling Officials Sources Analysts Critics Experts
Observers Reports Report Residents Witnesses Protesters Police Troops Soldiers Authorities Media Local
Western Eastern Northern Southern West East North South Global International National Regional
Political Economic Military Strategic Special Joint Public Private Senior Top Former New Old Great
Mr Mrs Ms Dr Jr Sr St January February March April June July August September October November
December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday
Saturday Sunday Mon Tue Wed Thu Fri Sat Sun One Two Three Four Five Six Seven Eight Nine Ten Hundreds
Thousands Millions Dozens Breaking Update Updated Exclusive Editorial Opinion Analysis Video Photo
Watch Read Click Share Related Tags Copyright Source Sources Agencies Staff Reuters AFP AP TASS Xinhua
Sputnik Bloomberg Tuesday's Christmas Easter Ramadan Eid God Allah
""".split())  # noqa: SIM905 - a word list reads best as words
