"""The concepts of the harm model: broad lexicons of assets, damages and evidence.

Each concept is a :class:`~buildrunner.routing.matcher.Signal` whose id names its kind:

- ``asset.*``: what can be harmed (people's data, credentials, money, legal obligations,
  safety, "everyone", production systems);
- ``action.access``: seeing, receiving or changing something;
- ``damage.*``: what is done to it (exploit, bypass, wrong party, exposed, lost, wrong, down,
  blocked, weakness);
- ``live.*``: evidence that it is happening (production, since a release, reports, counts,
  deadlines, incidents);
- ``calm.*``: evidence that the work is planned or contained;
- ``mood.*``: a requirement or a condition rather than an event.

The lexicons name general concepts (a thesaurus of each), not the sentences of any one ticket.
:mod:`buildrunner.routing.harm` combines them. Ids are permanent.
"""

from __future__ import annotations

from buildrunner.routing.matcher import Signal

_NUM = r"\d(?<![\w.,]\d)[\d,.]*\s?(?:k|m|%)?"
"""A number, from its first digit only (the digits of "7.33.1" do not each start a match)."""
_PARTY = (
    r"(?:customers?|users?|patients?|clients?|members?|tenants?|accounts?|employees?|players?|"
    r"partners?|subscribers?|merchants?|students?|people|persons?|person|residents?|drivers?|"
    r"buyers?|sellers?|shoppers?|guests?|consumers?|citizens?|households?|famil(?:y|ies)|"
    r"child(?:ren)?|companies|company|organi[sz]ations?|orgs?|recipients?|individuals?|"
    r"owners?|workspaces?|stores?|vendors?|suppliers?|borrowers?|investors?|traders?|donors?|"
    r"applicants?|candidates?|doctors?|clinicians?|nurses?|parents?|minors?|passengers?|"
    r"travell?ers?|visitors?|shops?|practices?|clinics?|hospitals?|schools?)"
)
_DATA = (
    r"(?:data|records?|pii|phi|personal (?:data|information|details|info)|(?:email|e-mail|home|"
    r"billing|shipping|ip) addresses|addresse?s?|names?|phone numbers?|cards?|credit cards?|"
    r"card (?:numbers?|details)|ssns?|social security numbers?|passports?|dates? of birth|"
    r"diagnos(?:is|es)|diagnosis codes?|medical \w+|health \w+|lab (?:results?|reports?|values?)|"
    r"results?|charts?|prescriptions?|medications?|doses?|dosages?|allerg(?:y|ies)|"
    r"vaccinations?|location|locations|gps|coordinates|messages?|conversations?|chats?|"
    r"documents?|files?|attachments?|photos?|images?|uploads?|invoices?|receipts?|orders?|"
    r"(?:order|purchase|payment|browsing|medical) history|profiles?|passwords?|password hashes|"
    r"backups?|databases?|db|tables?|rows?|columns?|buckets?|exports?|reports?|statements?|"
    r"transactions?|ledgers?|balances?|payouts?|payslips?|contracts?|e-mails?|notes?|tickets?|"
    r"dashboards?|readings?|measurements?|telemetry|events?|content|information|details|emails?|"
    r"contacts|contact (?:books?|lists?)|address books?|"
    r"identit(?:y|ies)|salar(?:y|ies)|tax (?:ids?|numbers?)|vat ids?|bank (?:details|accounts?)|"
    r"subscriptions?|accounts?|users?|customers?|memberships?|projects?|repositories|"
    r"workspaces?|carts?|bookings?|appointments?|posts?|comments?|products?|listings?|items?|"
    r"inventory|objects?|blobs?|volumes?|disks?|snapshots?|indexes|indices|history)"
)
_CREDENTIAL = (
    r"(?:(?:api|access|secret|private|signing|ssh|encryption|master|service[- ]account|deploy|"
    r"license) keys?|keys?|tokens?|secrets?|credentials?|passwords?|passphrases?|"
    r"certificates?|certs?|service[- ]account (?:json|file|key)|connection strings?|dsns?|"
    r"environment variables|env vars|session (?:ids?|cookies?)|cookies?|keystores?|"
    r"client secrets?|webhook secrets?|jwt secrets?|dotenv files?)"
)
_VERB_SEE = (
    r"(?:see|sees|saw|seen|seeing|view|views|viewed|read|reads|download|downloads|downloaded|"
    r"access|accessed|receive|receives|received|receiving|get|gets|got|getting|land|lands|"
    r"landed|show|shows|showed|shown|showing|appear|appears|appeared|display|displays|"
    r"displayed|sent|send|sends|sending|emailed|delivered|attached|attaches|assigned|merged|"
    r"merges|linked|routed|routing|printed|printing|given|granted|using|used|"
    r"belongs?|belonging|meant|open|opens|opened|edit|edits|edited|modify|modified|change|"
    r"changed|delete|deleted|reset|cancel|cancelled|canceled|list|lists|listed)"
)

CONCEPTS: tuple[Signal, ...] = (
    # ------------------------------------------------------------------ assets
    Signal(
        "asset.data",
        "asset",
        "people's data or records",
        1.0,
        (_DATA,),
    ),
    Signal(
        "asset.secret",
        "asset",
        "a credential",
        1.0,
        (_CREDENTIAL,),
    ),
    Signal(
        "asset.money",
        "asset",
        "money",
        1.0,
        (
            r"money",
            r"funds",
            r"(?:remittances?|pensions?|benefits|mortgages?|credit (?:scores?|limits?)|"
            r"tax returns?|paychecks?|paycheques?|stipends?|grants?|donations?|tips|fares?|"
            r"tickets? prices?)",
            r"promo(?:tion)?(?:al)? codes?",
            r"promotions?",
            r"vouchers?",
            r"{% off}\d+ ?% off",
            r"overs(?:old|ell|elling|ells)",
            r"(?:market|limit|stop) orders?",
            r"(?:sold|sells?|selling|sales|purchas\w+|bought|buyers?)",
            r"fills",
            r"claims? payouts?",
            r"(?:charg(?:e|es|ed|ing)|bill(?:ed|ing)|invoic(?:e|es|ed|ing)|refund(?:s|ed|ing)?|"
            r"payments?|paid|pay(?:s|ing)?|payouts?|pay ?runs?|payroll|salar(?:y|ies)|wages?|"
            r"vat|tax(?:es|ed)?|withh(?:eld|olding)|debit(?:s|ed)?|credit(?:s|ed)|wallets?|"
            r"balances?|prices?|pricing|fees?|subscriptions?|renewals?|chargebacks?|disputes?|"
            r"interest|ledgers?|transfers?|trades?|trading|positions?|settlements?|revenue|"
            r"discounts?|coupons?|credits?|currenc(?:y|ies)|usd|eur|gbp|cad|aud|chf|jpy|"
            r"commissions?|premiums?|loans?|deposits?|withdrawals?|gift cards?|card)",
            r"{$,€,£}[$€£] ?\d[\d,.]*k?",
            r"(?:insurance )?(?:quotes?|polic(?:y|ies)|underwriting|premiums?)",
            r"skus?",
        ),
    ),
    Signal(
        "asset.legal",
        "asset",
        "a legal or regulatory obligation",
        1.0,
        (
            r"regulat(?:or|ors|ory|ion|ions)",
            r"(?:gdpr|ccpa|cpra|hipaa|pci(?:[- ]dss)?|sox|soc ?2|iso ?27001|lgpd|pipeda|coppa|"
            r"ferpa|dsa|dma|aml|kyc|ofac)",
            r"(?:data protection|privacy) (?:authority|officer|commission(?:er)?|office|"
            r"regulator|law|laws)",
            r"(?:dpc|ico|ftc|fca|cnil|bafin|sec filing|finra|ocr|cfpb|ombudsman|attorney general)",
            r"auditors?",
            r"audit (?:finding|report|deadline)",
            r"legal(?:'s)?",
            r"lawyers?",
            r"counsel",
            r"lawsuits?",
            r"court",
            r"subpoena",
            r"binding (?:offer|contract|agreement|commitment)",
            r"(?:votes?|ballots?|elections?|voters?)",
            r"(?:identity|id) documents?",
            r"(?:court|legal) (?:filings?|deadlines?|documents?)",
            r"complaints?",
            r"(?:erasure|deletion|access|dsar|data subject) requests?",
            r"data subjects?",
            r"right to (?:be forgotten|erasure|access)",
            r"breach notification",
            r"tax (?:authority|authorities|advisor|adviser|office|return|filing|audit)",
            r"vat return",
            r"compliance",
            r"consent",
            r"opt(?:ed)?[- ]?outs?",
            r"opted out",
            r"turned off",
            r"unsubscrib\w+",
            r"do[- ]not[- ](?:track|sell|contact)",
            r"we owe",
            r"fines?",
            r"penalt(?:y|ies)",
            r"class action",
            r"liabilit(?:y|ies)",
            r"(?:sla|contract(?:ual)?) (?:breach|penalt(?:y|ies)|credits?)",
            r"license (?:violation|breach)",
        ),
    ),
    Signal(
        "asset.safety",
        "asset",
        "people's safety or health",
        1.0,
        (
            r"patients?",
            r"medications?",
            r"medicines?",
            r"drugs?",
            r"doses?",
            r"dosages?",
            r"prescriptions?",
            r"allerg(?:y|ies|ic)",
            r"lab (?:results?|values?|orders?)",
            r"blood\w*",
            r"potassium",
            r"glucose",
            r"insulin",
            r"vaccin\w+",
            r"boosters?",
            r"diagnos\w+",
            r"clinical",
            r"clinicians?",
            r"nurses?",
            r"physicians?",
            r"on-call (?:doctors?|physicians?|nurses?)",
            r"critical (?:lab )?values?",
            r"smart locks?",
            r"door locks?",
            r"(?:icu|er|ward|bed)s?",
            r"pacemakers?",
            r"ventilators?",
            r"infusion",
            r"elevators?",
            r"lifts?",
            r"brakes?",
            r"braking",
            r"steering",
            r"airbags?",
            r"(?:door|smoke|fire|gas|carbon monoxide|co|obstruction|collision|proximity) "
            r"(?:sensors?|alarms?|detectors?)",
            r"alarms?",
            r"heating",
            r"heat(?:ers?)?",
            r"thermostats?",
            r"boilers?",
            r"people's homes",
            r"in (?:their|people's) homes",
            r"life[- ](?:threatening|safety|support)",
            r"safety",
            r"emergency (?:calls?|services|contacts?)",
            r"medical records?",
            r"test results?",
            r"(?:biometric|fingerprint|face) (?:data|templates?|scans?)",
            r"911",
            r"ambulances?",
            r"robots?",
            r"forklifts?",
            r"machinery",
            r"vehicles?",
            r"drones?",
            r"(?:collisions?|near[- ]collisions?)",
            r"near[- ]miss\w*",
            r"injur\w+",
            r"overheat\w*",
            r"diabet\w+",
            r"discharge summar\w+",
            r"grades?",
            r"exam results?",
        ),
    ),
    Signal(
        "asset.everyone",
        "asset",
        "everyone or a large share",
        1.0,
        (
            r"every(?:one|body)",
            r"(?:all|every|most|any) (?:of )?(?:our |the )?(?:\w+ )?" + _PARTY,
            r"(?:all|every|any) (?:of )?(?:our |the )?(?:\w+ )?(?:requests?|traffic|calls?|"
            r"logins?|regions?|devices?|units?|mobile apps?|apps?|integrations?|api calls?|"
            r"streams?|videos?|playback|listings?|products?|shipments?|parcels?|labels?|"
            r"notifications?|messages?|emails?|sends?|deliveries|webhooks?|syncs?|uploads?|"
            r"downloads?|jobs?|builds?|deploys?|pages?|screens?)",
            r"\d(?<![\w.,]\d)(?:\d{0,2}(?:,\d{3})+|\d{2,}|\d*(?:\.\d+)?\s?k) (?:[\w-]+ )?" + _PARTY,
            r"(?:hundreds|thousands|millions) of " + _PARTY,
            r"(?:nobody|no one|no-one|none of (?:our|the) \w+)",
            r"{%}\d(?<![\w.,]\d)\d*(?:\.\d+)? ?% of",
            r"(?:completely|totally|entirely|fully|globally|site-?wide|worldwide)",
        ),
    ),
    Signal(
        "asset.system",
        "asset",
        "a production system",
        1.0,
        (
            r"(?:production|prod)",
            r"(?:live|prod(?:uction)?) (?:site|system|servers?|environment|cluster|database|db)",
            r"(?:primary|master) (?:database|db|node|instance|cluster)",
            r"(?:database|db|cluster|checkout|login|sign-?in|api|website|site|payments?|"
            r"gateway|platform|backend|storefront|store|portal|service|services|servers?|"
            r"nodes?|pods?|instances?|namespaces?|queue|dns)",
        ),
    ),
    Signal(
        "action.access",
        "action",
        "seeing, receiving or changing something",
        1.0,
        (_VERB_SEE,),
    ),
    # ------------------------------------------------------------------ damages
    Signal(
        "damage.exploit",
        "damage",
        "an exploitable security flaw",
        3.0,
        (
            r"sql[- ]?injection",
            r"sqli",
            r"remote code execution",
            r"rce",
            r"(?:command|shell|code|template|header|ldap|xpath|nosql|prompt|log|css|html|"
            r"formula|csv) injection",
            r"cross[- ]site scripting",
            r"(?:stored|reflected|dom[- ]based) xss",
            r"xss",
            r"csrf",
            r"cross[- ]site request forgery",
            r"ssrf",
            r"server[- ]side request forgery",
            r"xxe",
            r"(?:path|directory) traversal",
            r"(?:local|remote) file inclusion",
            r"insecure deserialization",
            r"deserialization (?:of untrusted|vulnerability|gadget)",
            r"privilege escalation",
            r"escalat\w+ (?:\S+ )?privileges",
            r"(?:authentication|auth|login|2fa|mfa|paywall|signature) bypass",
            r"bypass(?:es|ed|ing)? (?:the )?(?:authentication|auth|login|permissions?|access|"
            r"2fa|mfa|paywall|signature|rate limit)",
            r"account takeover",
            r"take (?:over|control of) (?:any|other|another|every|someone|arbitrary)\w*",
            r"session (?:fixation|hijacking)",
            r"idor",
            r"insecure direct object references?",
            r"broken (?:access control|authentication|object level authorization)",
            r"open redirect",
            r"request smuggling",
            r"cache poisoning",
            r"(?:dupe|duplication|duplicate|item|gold|money) (?:exploit|glitch|bug)",
            r"alg:? ?none",
            r"severity:? (?:high|critical)",
            r"zero[- ]day",
            r"{0-day,0 day}0[- ]day",
            r"cve-\d{4}-\d+",
            r"exploit(?:ed|able|s|ing|ation)?",
            r"proof[- ]of[- ]concept",
            r"poc",
            r"unauthori[sz]ed (?:access|users?|callers?|requests?)",
            r"unauthenticated (?:access|users?|callers?|requests?|attackers?)",
            r"attackers?",
            r"malicious",
            r"malware",
            r"backdoor\w*",
            r"ransomware",
            r"supply[- ]chain (?:attack|compromise)",
            r"(?:script|code|commit|dependency|package) (?:\S+ ){0,2}we didn't write",
            r"exfiltrat\w+",
            r"(?:sends?|sent|uploads?|posts?) (?:\S+ ){0,3}to (?:a|an|some) "
            r"(?:remote|unknown|external|third-party|attacker'?s?) (?:hosts?|servers?|urls?|"
            r"domains?|endpoints?)",
            r"crypto ?min(?:er|ing)",
            r"(?:signed|issued) by any",
            r"accept(?:s|ed|ing)? (?:\S+ ){0,4}(?:from|by) any (?:\S+ )?(?:certificate|cert|key|"
            r"issuer|origin|domain|signer)",
            r"(?:pentester|penetration tester|researcher|tester|auditor) (?:\S+ ){0,3}(?:logged "
            r"in|got into|accessed|was able to|managed to|could)",
            r"(?:scraper|bot|botnet|attacker|someone|somebody) (?:is |are )?(?:\S+ ){0,3}"
            r"(?:pulling|downloading|scraping|exfiltrating|dumping|harvesting|deleting|encrypting)",
            r"ransom (?:note|demand)",
            r"spoof(?:ed|ing|able)?",
            r"phishing",
            r"replay attacks?",
            r"clickjacking",
            r"prototype pollution",
            r"zip slip",
            r"(?:redos|regex denial of service)",
            r"subdomain takeover",
            r"dangling (?:dns|cname)",
            r"dependency confusion",
            r"typosquat\w*",
            r"(?:allows?|allowing|lets?|letting) (?:anyone|any user|anybody|attackers?|"
            r"unauthenticated users?|other users?|any customer|any tenant) (?:to )?(?:\S+ ){0,3}"
            r"(?:read|see|view|download|access|edit|delete|modify|change|reset|take|impersonate|"
            r"log ?in|transfer|withdraw|approve|cancel|escalate)",
            r"attack payloads?",
            r"(?:got|gets|get|gain\w*|obtain\w*|granted|grants) (?:\S+ )?(?:admin|root|superuser|"
            r"elevated|full|owner) (?:access|privileges|rights|control|permissions)",
            r"(?:execut\w+|runs?|ran|running|evaluat\w+) (?:\S+ ){0,4}on (?:our|the|your|their) "
            r"(?:\S+ )?(?:servers?|hosts?|machines?|boxes|backend|workers?|nodes?|containers?)",
            r"(?:user|attacker|client)[- ](?:provided|supplied|controlled) (?:\S+ ){0,8}"
            r"(?:without|unsanitized|unescaped|unvalidated|directly|verbatim|straight)",
            r"accept(?:s|ed|ing)? (?:\S+ ){0,5}(?:empty|invalid|forged|unsigned|missing|any) "
            r"signatures?",
            r"(?:credential stuffing|brute[- ]forc\w+|ddos|denial of service) (?:attack\w*|"
            r"in progress|ongoing|against)",
            r"mass assignment",
            r"(?:account|user|email) enumeration",
            r"(?:debug (?:mode|toolbar|endpoint|console)|stack traces?) (?:\S+ ){0,3}(?:enabled|on|"
            r"exposed|visible|shown)",
            r"default (?:admin )?(?:password|credentials)",
            r"(?:suspicious|unrecogni[sz]ed|unknown|unexplained|unauthori[sz]ed) (?:\S+ )?"
            r"(?:logins?|sign-?ins?|activity|access|spend|spending|charges|transactions|api calls|"
            r"usage|sessions?)",
            r"(?:spend|usage|charges|activity|logins?|ips?|ip addresses|addresses|requests|gets|"
            r"downloads|traffic|hosts?|devices?) (?:\S+ ){0,3}(?:we|i) (?:don't|do not|can't|"
            r"cannot) (?:recogni[sz]e|explain|account for|know)",
            r"(?:upgrade|promote|make) (?:themselves|itself|their own accounts?) (?:to )?"
            r"(?:admin|premium|paid|owner)",
        ),
        negatable=True,
    ),
    Signal(
        "damage.weakness",
        "damage",
        "a security weakness",
        2.0,
        (
            r"vulnerabilit(?:y|ies)",
            r"vulnerable",
            r"security (?:hole|flaw|bug|issue|finding|report|advisory|incident|problem|gap)",
            r"pentest(?:er|ers|ing)? (?:finding|report|found)",
            r"penetration test (?:finding|report|found)",
            r"(?:audit|scanner|pentest|researcher) (?:\S+ )?(?:found|flagged|reported)",
        ),
        negatable=True,
    ),
    Signal(
        "damage.bypass",
        "damage",
        "broken authentication or access control",
        3.0,
        (
            r"(?:doesn't|does not|don't|do not|never|fails? to|forgot to|no longer|isn't|is not|"
            r"without) (?:check|verify|validate|enforce|require|authenticate|authori[sz]e|"
            r"look at|compare)\w* (?:\S+ ){0,5}(?:admin\w*|auth\w*|permissions?|roles?|owner\w*|"
            r"signatures?|tokens?|state|csrf|sessions?|tenant\w*|scopes?|membership|belongs?|"
            r"caller|logged[- ]in|passwords?|expir\w+|origin|access|identity)",
            r"(?:any|every) (?:authenticated|logged[- ]in|signed[- ]in|registered|anonymous|"
            r"unauthenticated|free|basic|regular|normal|non-admin|guest) "
            r"(?:user|caller|visitor|account|member|customer|client)s?,? (?:\S+ ){0,6}can",
            r"(?:anyone|anybody|any user|any customer|any caller) (?:\S+ ){0,6}can (?:log ?in|"
            r"sign ?in|read|see|view|download|access|edit|delete|modify|change|reset|take|call|"
            r"list|impersonate|cancel|refund|transfer|approve|update|overwrite|export|join|"
            r"invite|become)",
            r"(?:log|logs|logged|sign|signs|signed) ?in as (?:any|another|other|a different|"
            r"someone|arbitrary)\w*",
            r"impersonat\w+ (?:any|other|another|arbitrary)\w*",
            r"(?:tokens?|links?|sessions?|codes?|otps?|urls?) (?:\S+ ){0,4}(?:never expires?|"
            r"don't expire|do not expire|doesn't expire|does not expire|can be (?:re-?used|"
            r"replayed)|stays? valid|remains? valid|are valid forever|(?:re-?used|replayed) "
            r"(?:indefinitely|forever))",
            r"(?:sent|transmitted|served) over (?:plain )?http(?!s)",
            r"plain ?text passwords?",
            r"passwords? (?:are |is )?stored (?:\S+ ){0,2}(?:plain ?text|clear ?text|unhashed|"
            r"the clear)",
            r"unsalted",
            r"md5 (?:password|hash)\w*",
            r"(?:weak|broken|missing|disabled) (?:encryption|hashing|signature (?:check|"
            r"verification)|authentication|authori[sz]ation|access control|tls verification)",
            r"(?:verify|verification|ssl|tls|certificate) (?:\S+ ){0,2}(?:disabled|turned off|"
            r"skipped)",
            r"(?:kept|keep|keeps|retain\w*|still (?:have|has|had)) (?:\S+ ){0,2}(?:access|"
            r"permissions?|admin rights|vpn access)",
            r"(?:without|no) (?:any )?(?:authentication|auth|authori[sz]ation|login|"
            r"permission check|access control)",
            r"only checks? (?:that )?(?:\S+ ){0,3}(?:logged[- ]in|authenticated|signed[- ]in|"
            r"a valid)",
            r"can (?:change|edit|modify|set|raise|approve|grade) (?:their|his|her|"
            r"its) own (?:\S+ )?"
            r"(?:grades?|roles?|permissions?|balances?|prices?|plans?|salar(?:y|ies)|limits?|"
            r"scores?|status|access|invoices?|refunds?)",
            r"(?:deprovisioned|deactivated|removed|terminated|fired|offboarded|deleted|revoked|"
            r"disabled|suspended|banned|former) (?:\S+ )?(?:users?|accounts?|employees?|members?|"
            r"staff|contractors?) (?:\S+ ){0,3}(?:still|can still|continue to|keep) "
            r"(?:have|has|log|access|use|get|see|sign)",
            r"(?:basic|free|trial|unpaid|lower|cheaper|starter|guest) (?:plan|tier|users?|"
            r"accounts?|customers?|orgs?) (?:\S+ ){0,3}can (?:call|access|use|reach|read|export|"
            r"download|see)",
            r"fail(?:s|ed|ing)? open",
            r"defaulted to (?:approv\w+|allow\w*|accept\w*|true|admin|grant\w*|pass\w*)",
            r"without (?:running |doing |performing )?(?:the |any )?(?:fraud|security|identity|kyc|"
            r"aml|signature|permission|authori[sz]ation|validation|risk) (?:check|checks|score|"
            r"scoring|review|verification|screening)",
        ),
        negatable=True,
    ),
    Signal(
        "damage.wrong_party",
        "damage",
        "another party's data or account",
        3.0,
        (
            r"(?:another|other|others'|someone else's|somebody else's|different|the wrong|"
            r"wrong|random|unrelated|stranger's|strangers'|the previous|the next) (?:\S+ )?"
            + _PARTY
            + r"(?:'s|s'|')?",
            r"(?:someone|somebody|person|stranger) (?:called|named|else)",
            r"(?:anyone|anybody|everyone|everybody) else's",
            r"(?:the wrong|the previous|someone else's|a different|another) (?:\S+ )?(?:addresses|"
            r"address|locations?|destinations?|trips?|rides?|orders?|bookings?|appointments?|"
            r"shipments?|beds?|rooms?|accounts?|records?|charts?|files?|documents?|reports?|"
            r"results?|invoices?|prescriptions?|seats?|profiles?)",
            r"(?:tenant|account|org|workspace|organi[sz]ation|project|company) (?:that )?(?:they|"
            r"he|"
            r"she|we|i) (?:don't|doesn't|do not|does not|didn't|did not) (?:belong|have access) to",
            r"(?:tenant|customer|user|company|org|account|patient) \w{1,3} (?:sees?|gets?|"
            r"receives?|can see)",
            r"(?:sees?|saw|seeing|get|gets|got|receive|receives|received) (?:\S+ ){0,2}"
            r"(?:his|her|their|someone's) (?:\S+ )?(?:orders?|data|invoices?|address|"
            r"emails?|messages?|files?|documents?|details|account|profile|history)",
            r"(?:meant|intended|addressed) (?:for|to) (?:another|someone|a different|other)",
            r"belong(?:s|ing)? to (?:another|other|someone|whoever|a different)",
            r"cross[- ](?:tenant|account|customer|org|organi[sz]ation|user) "
            r"(?:data|leak\w*|access|exposure|contamination)",
            r"mixed up",
            r"swapped",
        ),
        negatable=True,
    ),
    Signal(
        "damage.exposed",
        "damage",
        "exposed or leaked",
        2.0,
        (
            r"(?:leaked|leaking|leaks|leak|exposed|exposing|compromised|stolen|breach|breached)",
            r"(?:data|credential|secret|pii|phi|key|token|password) exposure",
            r"(?:returns?|exposes?|includes?|serializes?|responds with|sends?|shows?|displays?|"
            r"see|sees|visible|shown|displayed|showing) (?:\S+ ){0,6}(?:hashed passwords|password "
            r"hashes|(?:2fa|mfa|totp|otp) secrets|private keys|(?:full|unmasked|raw|plain ?text|"
            r"complete) (?:card numbers?|pans?|ssns?|social security numbers?|credit card "
            r"numbers?|passwords?))",
            r"(?:legal|regulatory|compliance|privacy|coppa|gdpr|hipaa|pci|ccpa) (?:risk|exposure|"
            r"violation|breach)",
            r"(?:accessible|visible|available|readable) (?:to|by) (?:\S+ ){0,2}(?:employees|"
            r"vendors|contractors|staff|third parties|partners|interns)",
            r"(?:sends?|uploads?|shares?|posts?|forwards?|transmits?|logs?|writes?|leaks?|"
            r"syncs?|copies|exports?) (?:\S+ ){0,5}to (?:our |the |a |an |their )?(?:\S+ )?"
            r"(?:analytics|third[- ]part\w+|vendors?|advertis\w+|ad networks?|trackers?|"
            r"tracking|segment|mixpanel|facebook|google analytics|remote hosts?|external)",
            r"served (?:\S+ ){0,3}(?:as a static file|publicly|to anyone|to the public|without "
            r"auth\w*)",
            r"(?:downloadable|accessible|reachable|readable|served) (?:\S+ ){0,2}(?:at|from|via) "
            r"(?:a |the )?(?:public|internet|unauthenticated)",
            r"not just the (?:\S+ ){0,3}(?:we|that we) (?:disclosed|promised|documented|declared)",
            r"(?:shared|posted|pasted|uploaded|exported|forwarded|copied) (?:\S+ ){0,6}(?:to|in|on|"
            r"into) (?:a |an |the |their |his |her )?(?:public|personal|private|shared) "
            r"(?:\S+ )?(?:discord|slack|channel|forum|chat|drive|dropbox|gist|paste\w*|email|"
            r"account|laptop|device|repo|repository|bucket|link|group)",
            r"public (?:discord|slack|channel|forum|chat|group|server)",
            r"publicly (?:accessible|readable|visible|listable|available|exposed|listed|"
            r"downloadable|writable)",
            r"public (?:bucket|repo|repository|gist|github|gitlab|link|urls?|s3|paste)",
            r"repo is public",
            r"world[- ](?:readable|writable)",
            r"(?:allows?|allowing|with|has|had|enabled|open to) (?:anonymous|public|"
            r"unauthenticated) (?:reads?|read access|access|listing|writes?|downloads?)",
            r"public[- ]read",
            r"(?:not|never|without being) (?:anonymi[sz]ed|redacted|masked|encrypted|scrubbed)",
            r"(?:ex-|former |departed |terminated |fired |offboarded )(?:\S+ ){0,2}(?:employees?|"
            r"contractors?|staff|members?|admins?|engineers?|interns?)'?s?",
            r"(?:was|were|been|is being|are being) used to (?:log ?in|sign ?in|access|deploy|"
            r"push|read|call)",
            r"listing (?:is )?enabled",
            r"(?:visible|accessible|readable|available) (?:to|by|without) (?:anyone|everyone|the "
            r"public|all|any|unauthenticated|logged-out|other)",
            r"indexed by (?:google|search engines)",
            r"(?:written|logged|printed|echoed|dumped|shipped|sent|forwarded|uploaded|posted|"
            r"transmitted|visible|included|stored|embedded|bundled|shipped) (?:\S+ ){0,4}"
            r"(?:to|in|into|inside) (?:\S+ ){0,3}(?:logs?|access logs?|log vendor|"
            r"third[- ]part\w+|vendors?|remote hosts?|analytics|segment|sentry|slack|bundle|"
            r"binar(?:y|ies)|apk|ipa|app bundle|frontend|client|urls?|query strings?|"
            r"plain ?text|clear ?text|git history|repo|repository|public)",
            r"in (?:plain|clear) ?text",
            r"unencrypted",
            r"hard-?coded (?:\S+ ){0,2}(?:in|into)",
            r"hard-?coded (?:\S+ )?" + _CREDENTIAL,
            _CREDENTIAL + r" (?:is |are |was |were )?hard-?coded",
            r"committed (?:to|in|into)",
            r"pushed (?:\S+ ){0,3}to (?:a |our |the )?(?:public|github|gitlab)",
            r"in (?:the |our )?(?:\S+ ){0,2}(?:bundle|binary|apk|ipa|client code|frontend code)",
            r"(?:logs?|output|console|stdout|stderr) (?:\S+ ){0,2}(?:print|prints|printed|show|"
            r"shows|contain|contains|include|includes|expose|exposes|leak|leaks|reveal|reveals)",
            r"decompil\w+",
            r"set -x",
            r"dump(?:s|ed|ing)? (?:the )?\w+ table",
            r"(?:without|ignor\w+|despite) (?:their |the |users' )?(?:consent|opt-?out|permission"
            r"|opting out)",
            r"(?:including|even) for (?:\S+ ){0,3}who (?:turned off|opted out|disabled|declined|"
            r"unsubscribed)",
        ),
        negatable=True,
        negation_inside=True,
    ),
    Signal(
        "damage.loss",
        "damage",
        "lost, destroyed or corrupted",
        2.0,
        (
            r"data (?:loss|corruption|is corrupt\w*|is gone|is lost)",
            r"(?:was|were|is|are|been|got|get|gets|have|has|had) (?:\S+ )?(?:deleted|wiped|"
            r"lost|purged|dropped|truncated|erased|overwritten|corrupted|destroyed|removed|"
            r"clobbered|nuked|gone|corrupt)",
            r"(?:deleted|deletes|deleting|wiped|wipes|purged|purges|dropped|drops|truncated|"
            r"truncates|erased|destroyed|overwrote|overwrites|corrupted|corrupts|lost|nuked) "
            r"(?:the |all |our |every |their |his |her |its |both |about |around |over |~ ?|some |"
            r"roughly |nearly |half |most |\d[\d,.]*k?)",
            r"(?:are|is) (?:now |all )?(?:gone|lost|corrupt|"
            r"corrupted|unrecoverable)",
            r"(?:all|both|every) (?:\S+ ){0,6}(?:are|is) gone",
            r"lost (?:\S+ ){0,2}(?:data|orders|rows|records|writes|transactions|files|updates|"
            r"messages|events|payments)",
            r"diverg\w+",
            r"split[- ]brain",
            r"(?:two|both|multiple) (?:\S+ ){0,2}(?:primar(?:y|ies)|masters|leaders)",
            r"(?:out of sync|inconsisten\w+|differ\w*) between",
            r"(?:no|without a|no usable|no working|no valid) (?:usable |known-good |working |"
            r"valid |recent )?backups?",
            r"(?:last|latest|most recent|only) (?:good|usable|working|valid|successful) backup",
            r"(?:i/o|io|disk|read|write|checksum) errors?",
            r"(?:truncated|dropped|wiped|deleted|purged|erased|destroyed|nuked|corrupted|"
            r"overwrote) (?:\S+ ){0,3}(?:in|on|from) (?:the )?(?:prod|production|live)",
            r"backups? (?:\S+ ){0,4}(?:fail(?:ed|ing|s)?|missing|broken|corrupt\w*|silently)",
            r"unrecoverable",
            r"(?:vanished|disappeared|evaporated|gone missing|went missing|orphaned)",
            r"(?:can't|cannot|can not|couldn't|unable to) (?:be )?(?:recover|restore|"
            r"recovered|restored|undo|undone|roll back|rolled back)",
            r"no longer exists?",
            r"(?:partial|torn|half-written) (?:writes?|updates?|records?|transactions?)",
            r"desync(?:ed|hronized|hronised)",
            r"irreversibl[ye]",
            r"permanently (?:deleted|lost|gone|removed)",
            r"(?:failed|died|stopped|crashed|aborted) (?:\S+ ){0,3}(?:halfway|midway|partway|"
            r"part-way|in the middle|at \d+ ?%)",
            r"half[- ](?:migrated|applied|written)",
            r"partially (?:applied|migrated|written)",
            r"(?:duplicated|doubled) (?:\S+ ){0,3}(?:rows|records|data|items|orders|entries)",
            r"shifted by",
            r"(?:versioning|backups?) (?:is |are )?(?:off|disabled)",
            r"(?:replication|backups?|snapshots?|archiving|wal shipping|log shipping) (?:\S+ ){0,5}"
            r"(?:stopped|broke|broken|failing|failed|halted|paused|lagging)",
            r"degraded (?:disks?|raid|arrays?|volumes?|nodes?)",
            r"raid (?:\S+ ){0,3}degraded",
        ),
        negatable=True,
        negation_inside=True,
    ),
    Signal(
        "damage.wrong",
        "damage",
        "wrong, duplicated or not applied",
        1.5,
        (
            r"wrong(?:ly)?",
            r"incorrect(?:ly)?",
            r"(?:inaccurate|bogus|garbage|nonsensical|corrupted|skewed|inflated|deflated)",
            r"(?:doubled|tripled|halved|zeroed(?: out)?|reset to (?:zero|0|null|defaults?))",
            r"mis(?:classified|labell?ed|matched|directed|delivered|sent|allocated|dated)",
            r"(?:reversed|flipped|inverted)",
            r"without (?:their |the |any |customer |user |patient )?(?:consent|approval|"
            r"authori[sz]ation|permission|review|confirmation)",
            r"(?:not|never) (?:\S+ )?(?:saved|persisted|recorded|synced|delivered|processed|"
            r"notified|encrypted|masked|redacted|anonymi[sz]ed|hashed|validated|verified|checked|"
            r"billed|invoiced|collected|reported|filed|submitted|paid out|credited|debited)",
            r"stuck (?:in|at|on) (?:\S+ ){0,2}(?:pending|processing|queued|limbo|draft|"
            r"in progress|unpaid|authori[sz]ed)",
            r"instead of",
            r"off by (?:up to |as much as |about |around |~ ?)?(?:one|an? \w+|[$€£]?\d[\d.,]*\S*)",
            r"(?:no longer|doesn't|does not|don't|do not|didn't|did not|never) (?:match|matches|"
            r"add up|reconcile|balance)",
            r"mismatch\w*",
            r"discrepanc\w+",
            r"rounding errors?",
            r"integrity (?:problem|issue|violation|check failed|error)",
            r"overs(?:old|ell|elling|ells)",
            r"miscalculat\w+",
            r"mis-?(?:charged|billed|priced|routed|attributed|assigned|labell?ed|matched|"
            r"reported|applied)",
            r"\d+ ?x (?:larger|higher|more|bigger|too)",
            r"too (?:much|high|low|many)",
            r"overcharg\w+",
            r"undercharg\w+",
            r"(?:charged|billed|paid|processed|debited|captured|refunded|sent|issued|run|ran|"
            r"executed|applied) (?:\S+ ){0,2}twice",
            r"double[- ]?(?:charg\w+|billed|billing|paid|payments?|refund\w*|payouts?|"
            r"invoic\w+|spend\w*|debit\w*|credit\w*)",
            r"duplicate[ds]? (?:\S+ )?(?:charges|payments|transactions|refunds|invoices|payouts|"
            r"debits|credits|orders|emails|notifications|shipments|withdrawals|transfers|bookings|"
            r"deposits|trades|entries|records)",
            r"(?:never|not|no longer|doesn't|does not|didn't|did not) (?:\S+ )?(?:call|calls|"
            r"charge|charged|refund|refunded|cancel|cancell?ed|bill|billed|sent|send|sends|applied|"
            r"apply|revoked|revoke|revokes|removed|remove|deleted|delete|honou?red|honou?r|"
            r"enforced|respected|reached|reaching|propagated|filtered|included|counted|"
            r"recorded|rolled back|roll back)",
            r"still (?:being )?(?:charged|billed|debited|get|gets|getting|receiv\w+|sent|active|"
            r"valid|there|stored|present|listed|visible|accessible|running)",
            r"(?:is|are|was|were|been) missing",
            r"missing (?:all|every|the|some|\d)",
            r"zero ?%",
            r"{0%,0 %}0 ?%",
            r"negative (?:amounts?|balances?|totals?|quantit\w+)",
            r"(?:lost|got lost|dropped) in (?:the )?",
            r"ignor(?:e|es|ed|ing)",
            r"(?:parsed|interpreted|treated|read|mistaken|stored|recorded) as (?:\S+ ){0,2}"
            r"(?:thousands?|cents|dollars|seconds|milliseconds|days|months|local time|utc|"
            r"text|strings?|zero|null|negative)",
            r"\d+ ?x (?:the |their |its |the normal |the actual )?(?:price|amount|value|cost|"
            r"fee|rate|limit)s?",
            r"(?:quoted|priced|bound|sold|issued|approved|paid|charged|billed) at (?:the )?"
            r"(?:standard|wrong|default|old|incorrect|zero|base)",
            r"skip(?:s|ped|ping)",
            r"stale",
            r"for real money",
            r"(?:was|were|is|are) (?:\S+ )?(?:supposed|meant|"
            r"intended|expected) to",
            r"should (?:only )?(?:have been|be|apply|go)",
            r"double[- ]count\w*",
            r"(?:over|under)[- ]?(?:collect\w*|pa(?:y|id|ying|yment)|report\w*|stat\w+)",
            r"(?:blank|empty)",
            r"(?:auto-?reject|reject)(?:ed|s|ing)",
            r"round(?:s|ed|ing)? (?:\S+ ){0,4}(?:up|down)",
            r"(?:setting|set|sets|changed|changing|overwrote|overwriting|reset|resetting) (?:\S+ )"
            r"{0,2}(?:everyone's|everybody's|all users'|every user's|all customers'|all) (?:\S+ )"
            r"{0,3}to (?:the same|null|zero|empty|blank|none|nil)",
            r"(?:lost|lose|losing|loses) (?:their |all |the )?(?:access|data|work|history|"
            r"settings|progress|orders|money)",
            r"(?:everyone|everybody|all users|all customers)'s? \w+ (?:\S+ ){0,3}(?:set|changed|"
            r"reset|overwritten) to",
            r"(?:prices|value) (?:\S+ ){0,3}(?:dropped|crashed|collapsed)",
            r"twice",
            r"unexpected (?:fills|charges|trades|orders|payments|transfers|withdrawals|debits|"
            r"refunds|emails|messages|notifications|shipments|deletions)",
            r"(?:sent|emailed|notified|charged|shipped|told|informed|paid) (?:\S+ ){0,4}to (?:\S+ )"
            r"{0,3}(?:who|that) (?:were|are|had|have|was) (?:actually |not |never |already )",
            r"(?:who|which|that) (?:were|are|was) actually",
            r"(?:sends?|sent|places?|placed|submits?|submitted|executes?|executed) (?:\S+ ){0,4}"
            r"when (?:the )?(?:user|customer|they|you) (?:selects?|chooses?|picks?|asks? for|"
            r"clicks?)",
            r"(?:instead of|rather than) the (?:final|correct|right|signed|real|actual)",
            r"{$0,€0,£0}[$€£]0(?:\.00)?",
            r"(?:reporting|reports?|reading|reads?|showing|shows?|returning|sending|sends?) "
            r"(?:\S+ )?(?:zero|0) (?:consumption|usage|balance|amount|value|readings?|revenue|"
            r"items|results|quantity)",
            r"default(?:s|ing|ed)? to (?:\S+ ){0,2}(?:when|instead|even|regardless)",
            r"unusually (?:high|low|large|small)",
        ),
        negatable=True,
    ),
    Signal(
        "damage.down",
        "damage",
        "down or unusable",
        3.0,
        (
            r"(?:production|prod|site|website|app|apps|api|apis|service|services|checkout|login|"
            r"sign-?in|signup|payments?|database|db|cluster|platform|backend|store|storefront|"
            r"portal|gateway|everything|integrations|servers?) (?:is|are|was|were|went|has been|"
            r"have been) (?:completely |totally |entirely |fully |hard |all |now )?(?:down|"
            r"offline|unavailable|unreachable|unresponsive|completely broken)",
            r"(?:total|complete|full|major|partial|ongoing|current|global|regional|"
            r"site-?wide) (?:outage|downtime)",
            r"(?:production|prod|site|website|app|api|service|checkout|login|sign-?in|signup|"
            r"payments?|storefront|gateway|cluster|region|everything) (?:is |are |has been |"
            r"have been |keeps |started |now )?(?:returning|throwing|serving|failing with|"
            r"responding with|answering) (?:\S+ ){0,2}(?:5\d\d|5xx|50x)s?",
            r"(?:stuck|hang\w*) in (?:a )?(?:boot|crash|restart|reboot) ?loop",
            r"(?:boot|crash|restart|reboot)[ -]?loop\w*",
            r"errors everywhere",
            r"(?:conversion|revenue|sales|orders|signups|traffic|checkouts) (?:\S+ ){0,2}(?:is |"
            r"are |"
            r"dropped |fell |went )?(?:at|to) (?:zero|0|nothing)",
            r"(?:certificate|cert|certs|tls cert\w*|ssl cert\w*) (?:\S+ ){0,3}expired",
            r"(?:stop|stopped|stops|will stop) (?:accepting|processing|serving|taking) "
            r"(?:writes|requests|traffic|orders|payments|logins)",
            r"(?:aren't|isn't|are not|is not|stopped|no longer) (?:heating|cooling)",
            r"(?:all|every) (?:\S+ ){0,3}(?:pods?|instances?|nodes?|replicas?|servers?|"
            r"containers?) "
            r"(?:are |were |is |was )?(?:down|gone|crash\w*|failing|dead|pending|stuck)",
            r"disk (?:\S+ ){0,3}(?:full|at 9\d ?%)",
            r"broken for (?:everyone|everybody|all)",
            r"brick(?:ed|ing|s)",
            r"(?:fails?|failed|failing|won't|will not|cannot|can't|doesn't|does not) (?:to )?"
            r"(?:start|boot|come up|come back)",
            r"(?:queue|backlog|lag) (?:\S+ ){0,3}(?:growing|grows|piling up|keeps growing|"
            r"backed up|at \d+(?:\.\d+)?\s?(?:k|m|million|hours?))",
            r"(?:checkout|login|sign-?in|signup|payments|the site|the website|the app|the api|"
            r"production|prod) (?:is |are |has been |have been )(?:completely |totally )?broken",
            r"(?:5\d\d|5xx|50x)s? (?:on|from|for) (?:checkout|login|sign-?in|every|all|the api|"
            r"production|prod)",
            r"(?:filesystem|file system|disk|volume|database|db) (?:\S+ ){0,3}(?:went|is|became|"
            r"turned|remounted) read-only",
            r"writes (?:\S+ ){0,4}(?:are |is )?(?:failing|rejected|blocked)",
            r"(?:certificate|cert|domain|license|licence) (?:\S+ ){0,4}expires? (?:in|within) "
            r"(?:\d+|a few|two|one) (?:minutes|hours|days)",
            r"(?:certificate|cert|domain) (?:\S+ ){0,4}expires? (?:today|tonight|tomorrow)",
            r"(?:failure|error) rate (?:\S+ ){0,3}(?:[5-9]\d|100) ?%",
            r"(?:buffering|spinning|loading|hanging) (?:endlessly|forever|indefinitely)",
            r"(?:every|all) (?:\S+ ){0,2}(?:requests?|calls?|logins?|checkouts?|payments?|"
            r"connections?) (?:\S+ ){0,3}(?:fail\w*|gets? (?:a )?(?:connection (?:reset|refused|"
            r"error)|5\d\d|timeout)|time out|timing out|errors? out)",
        ),
        negatable=True,
    ),
    Signal(
        "damage.blocked",
        "damage",
        "people cannot use it",
        2.0,
        (
            r"(?:returning|returns|throwing|throws|serving|serves|responding with|fails with|"
            r"failing with|getting|get|erroring with|answers with|gives) (?:\S+ ){0,2}"
            r"(?:5\d\d|5xx|50x|errors?|timeouts?)s?",
            r"(?:fails|failing|broken|times? out|timing out)",
            r"(?:can't|cannot|can not|couldn't|could not|unable to|no longer able to) "
            r"(?:log ?in|sign ?in|get in|check ?out|pay|place (?:an |any )?(?:orders?|trades?)|"
            r"make (?:a |any )?payments?|connect|reach|load|open the app|start|boot|use|access|"
            r"trade|book|order|withdraw|receive|send)",
            r"(?:nobody|no one|no-one) can",
            r"(?:not|aren't|isn't|are not|is not|stopped|no longer) (?:working|responding|"
            r"loading|processing|being (?:sent|delivered|processed))",
            r"crash(?:es|ing)? (?:\S+ ){0,2}(?:on|at|during) (?:launch|start|startup|open|"
            r"opening|login|checkout)",
            r"(?:stopped|stop|stops|aren't|are not|isn't|is not|not|haven't|hasn't|have not|"
            r"has not) (?:\S+ )?(?:going out|arriving|syncing|sending|getting|receiving|received|"
            r"being delivered|delivering|updating|running|firing|working)",
            r"(?:returning|returns|fails? with|failing with|getting|gets) (?:\S+ ){0,2}"
            r"(?:4\d\d|5\d\d)s? (?:on|for) (?:every|all|each|any)",
            r"(?:lost|lose|losing) (?:\S+ )?access",
            r"locked out",
            r"(?:tls|ssl) (?:\S+ ){0,2}(?:handshakes? )?fail\w*",
            r"(?:is|are|was|were|went|has been|have been) (?:completely |totally |all )?(?:down|"
            r"offline|unavailable|unreachable)",
        ),
        negatable=True,
    ),
    # ------------------------------------------------------------------ live evidence
    Signal(
        "live.production",
        "live",
        "happening in production",
        1.0,
        (
            r"(?:in|on|against|from|hitting) (?:the )?(?:production|prod)",
            r"(?:production|prod) (?:data|database|db|traffic|users|customers|cluster|context|"
            r"environment|api|servers?|incident|outage|issue|bug)",
            r"live (?:servers?|site|system|traffic|data|environment|players|users|customers)",
            r"(?:is|are|went|was) live",
            r"reproduc\w+ on (?:production|prod|live)",
            r"in the wild",
        ),
        negatable=True,
    ),
    Signal(
        "live.since",
        "live",
        "ongoing since a release or a date",
        1.0,
        (
            r"since (?:the|our|last|this|that|\w+'s|v?\d[\w.]*) (?:\S+ ){0,3}(?:release|"
            r"deploy\w*|update|upgrade|change|migration|rollout|roll-?out|rewrite|launch|merge|"
            r"cut-?over|switch|incident|import|run|patch|version|build|firmware)",
            r"since (?:v?\d[\w.]*|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
            r"yesterday|this morning|last night|last week|last month|midnight|noon|"
            r"january|february|march|april|may|june|july|august|september|october|november|"
            r"december|20\d\d|\d{1,2}:\d{2}|the \d+(?:st|nd|rd|th)|then|launch|go-live)",
            r"since (?:\S+ ){1,6}(?:on|last) (?:monday|tuesday|wednesday|thursday|friday|saturday|"
            r"sunday|night|week)",
            r"since (?:early |mid-?|late |the end of |the start of )(?:january|february|march|"
            r"april|may|june|july|august|september|october|november|december|20\d\d|last \w+)",
            r"(?:for|over|in) the (?:last|past) (?:\d+|a few|several|two|three|four|"
            r"five|six|"
            r"many) (?:minutes|hours|days|weeks|months|years|pay runs|billing cycles)",
            r"(?:has|have) been (?:\S+ ){0,5}for (?:about |over |almost |nearly |~ ?)?(?:\d+|a few"
            r"|several|two|three|four|five|six|many) (?:minutes|hours|days|weeks|months|years)",
            r"\d+ (?:minutes|hours|days|weeks|months) ago",
            r"(?:few|several|two|three|couple of) (?:minutes|hours|days|weeks|months) ago",
            r"(?:released|deployed|shipped|rolled out|published|went out) (?:\S+ ){0,2}"
            r"(?:yesterday|today|tonight|this morning|last night|last week|on \w+day|\w+day|"
            r"\d+ (?:hours|days|minutes) ago)",
            r"(?:yesterday|last night|this morning|this afternoon|earlier today|overnight)",
            r"just (?:truncated|deleted|dropped|wiped|happened|went|broke|failed|crashed|leaked|"
            r"started|got|lost|charged|sent|published|shipped|found|noticed|discovered|learned|"
            r"realised|realized)",
            r"just \w+ed",
            r"(?:prod|production|live) (?:runs|is running|has|uses) the same (?:build|code|"
            r"version|image|release)",
            r"same (?:build|code|version|image) (?:is )?(?:in|on|as) (?:prod|production)",
            r"(?:at|around) \d{1,2}:\d{2}",
            r"already (?:deployed|released|live|shipped|rolled out|in use|~?\d|used|happening)",
            r"(?:started|began|broke|broken|regressed|appeared|happening|introduced) (?:\S+ )?"
            r"(?:after|with|since|in) (?:the |this |last |our |\w+'s |v?\d[\w.]* )(?:\S+ ){0,2}"
            r"(?:release|deploy\w*|update|upgrade|change|migration|rollout|refactor|rewrite|"
            r"version|build|merge|launch|import|sync)",
            r"after (?:the |this |last |our |today's |yesterday's |this morning's |\w+day's )"
            r"(?:\S+ ){0,2}(?:release|deploy\w*|update|upgrade|rollout|launch|migration|refactor"
            r"|rewrite|cut-?over)",
            r"(?:haven't|hasn't|have not|has not|didn't|did not) (?:\S+ ){0,3}(?:for|in|since) "
            r"(?:\d+|a few|several|two|three|an?) (?:minutes?|hours?|days?|weeks?)",
            r"(?:went|goes|go) live",
            r"(?:published|released|sent|launched) (?:\S+ ){0,2}(?:an? (?:hour|minute|day)|\d+ "
            r"(?:hours|minutes|days)) ago",
            r"(?:today|tonight|this week|at midnight|around \d{1,2} ?(?:am|pm)|at \d{1,2} ?(?:am|"
            r"pm))",
            r"(?:has|have) been (?:\S+ )?(?:happening|going on|running|failing|writing|sending|"
            r"charging|issuing|accepting|leaking|exposing|broken|live|public|down)",
            r"(?:are|is) (?:still |now |currently )?being",
            r"(?:currently|right now|at the moment|as we speak|ongoing|still happening|"
            r"still going on|so far|to date|keeps? happening)",
        ),
        negatable=True,
    ),
    Signal(
        "live.report",
        "live",
        "reported by people it affects",
        1.0,
        (
            r"(?:customers?|users?|clients?|patients?|clinicians?|players?|partners?|merchants?|"
            r"someone|somebody|support|finance|legal|ops|sales|nurses?|pharmac\w+|hospitals?|"
            r"clinics?|drivers?|operations|agents?|stores?|branches|dealers?|radiology|"
            r"doctors|field techs?|techs|researchers?|security researchers?"
            r"|auditors?|the bank|banks|employees|staff) (?:\S+ ){0,4}(?:reported|reports|"
            r"report|noticed|notices|found|complain\w*|flagged|escalated|forwarded|confirmed|"
            r"caught|discovered|received|are seeing|is seeing|see|saw|emailed|wrote in|"
            r"called|filed)",
            r"(?:reported|found|discovered) (?:\S+ ){0,2}(?:by|through|via) (?:a |our |the )?"
            r"(?:customers?|users?|researchers?|bug bounty|hackerone|pentest\w*|support|"
            r"security)",
            r"support (?:escalation|tickets?|has \d+|got \d+|received)",
            r"(?:reports?|complaints?|tickets?|calls?|emails?) from (?:\S+ ){0,3}(?:customers?|"
            r"users?|clients?|patients?|hospitals?|clinics?|merchants?|partners?|players?|"
            r"schools?|several|multiple|many|three|two|\d+)",
            r"(?:customer|client|user|partner|merchant) (?:just )?(?:called|emailed|wrote|"
            r"reported|says|said|complained)",
            r"(?:flagged|reported|noticed|spotted|caught|found) (?:it|this|that) (?:on|in|during|"
            r"this|today|yesterday)",
            r"(?:secret scanning|security) alert",
            r"status page (?:is |went |turned )?(?:red|down)",
            r"phones? (?:are |is )?ringing",
            r"(?:as we speak|this is happening|happening now|right now)",
            r"(?:reports|tickets|complaints|calls|emails) (?:are )?(?:coming in|piling up|"
            r"pouring in|flooding in)",
            r"escalated to (?:the )?(?:ceo|cto|cfo|coo|execs?|executives?|leadership|board|vp)",
            r"(?:customers|users|clients) (?:are )?(?:churning|cancel\w*|leaving|asking for "
            r"refunds)",
            r"(?:nobody|no one) (?:was|got|has been) (?:alerted|notified|paged)",
            r"(?:play store|app store|apple|google) (?:review )?(?:flagged|rejected|removed|"
            r"suspended)",
            r"(?:phoning|calling|processing|handling|entering|fixing|doing|copying) (?:\S+ ){0,3}"
            r"(?:by hand|manually)",
            r"(?:abuse|fraud|security|trust and safety|soc) team (?:sees|saw|noticed|found|"
            r"reported|"
            r"flagged)",
            r"escalat(?:ed|ion) from",
            r"(?:zendesk|intercom|freshdesk) #?\d+",
            r"(?:triaged|confirmed) as (?:valid|real)",
            r"(?:bug bounty|hackerone|bugcrowd|intigriti)",
            r"(?:reproduc\w+|confirmed) (?:it )?(?:on|in) (?:\S+ ){0,2}(?:production|prod|live)",
            r"(?:chargebacks|disputes) are (?:coming|arriving)",
            r"spreading",
            r"(?:on|all over) (?:twitter|reddit|hacker news|the news|social media|discord)",
            r"(?:journalists?|press|reporters?) (?:\S+ ){0,3}(?:asking|called|contacted|wrote)",
            r"(?:ftc|regulator|dpc|ico|fca) complaint",
            r"filed (?:\S+ )?(?:a |an )?(?:complaint|lawsuit|dispute|chargeback)",
        ),
        negatable=True,
    ),
    Signal(
        "live.count",
        "live",
        "many already affected",
        1.0,
        (
            _NUM + r" (?:[\w-]+ )?" + _PARTY,
            _NUM
            + r" (?:[\w-]+ )?(?:customers|users|accounts|orders|invoices|files|patients|employees|"
            r"records|wallets|rows|devices|units|buildings|requests|transactions|downloads|"
            r"refunds|charges|payments|subscriptions|profiles|objects|tickets|people|players|"
            r"tenants|companies|merchants|homes|thermostats|clients|members|messages|emails|"
            r"cards|certificates|sessions|shipments|bookings|appointments|claims|loans|"
            r"double charges|complaints|weekly downloads|installs|organi[sz]ations|"
            r"participants|students|adoption)",
            r"{%}\d(?<![\w.,]\d)\d*(?:\.\d+)? ?% (?:of (?:our |the |all )?)?(?:\S+ )?"
            r"(?:users|customers|orders|traffic|requests|devices|thermostats|units|accounts|"
            r"adoption|players|installs|sessions|logins|payments|checkouts)",
            r"(?:hundreds|thousands|millions|dozens|tens of thousands) of",
        ),
        negatable=True,
    ),
    Signal(
        "live.deadline",
        "live",
        "a hard deadline",
        1.0,
        (
            r"(?:due|deadline|expires?|respond|response|report|filing|return|reply|answer|comply|"
            r"notify|submit|file) (?:\S+ ){0,3}"
            r"(?:in|within) (?:\d+|a few|two|three|five|seven|ten) (?:days|hours|business days)",
            r"(?:due|deadline) (?:\S+ ){0,2}(?:is )?(?:today|tonight|tomorrow|monday|tuesday|"
            r"wednesday|thursday|friday|saturday|sunday|next \w+|on the \d+\w*|the \d+\w*|"
            r"end of (?:day|week|month|quarter))",
            r"(?:we have|have|has) until (?:the \d+\w*|monday|tuesday|wednesday|thursday|friday|"
            r"saturday|sunday|tomorrow|tonight|end of|\w+ \d+)",
            r"\d+ days (?:left|to respond|to comply|to fix|to report)",
            r"(?:two|three|five|seven|ten) days (?:left|to respond|to comply|to fix|to report)",
            r"(?:runs|run|is due|goes out|closes|starts) (?:again )?(?:on )?(?:today|tonight|"
            r"tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday|at \d)",
            r"(?:auto-?advances|advances|expands|goes) to \d+ ?% at",
            r"(?:starts|kicks off|begins|goes out|go out|closes|launches|expires|lapses|is due) "
            r"(?:\S+ ){0,3}(?:in|within) (?:\d+|a few|two|one) (?:minutes|hours)",
            r"(?:go|goes|went) out with (?:the )?(?:\S+ ){0,3}(?:batch|run|payroll|release|"
            r"mailing)",
            r"\d+ days (?:before|until) (?:public )?(?:disclosure|publication)",
            r"before (?:tonight|tomorrow|the next (?:billing|pay|payroll|renewal|nightly) \w+|"
            r"the (?:renewal|billing|payroll|nightly) \w+)",
            r"(?:every minute|every hour) counts",
            r"(?:penalties|fines|interest|late fees|charges) (?:\S+ ){0,3}(?:start|begin|accru\w+|"
            r"apply)",
            r"(?:auditors?|regulators?|inspectors?|examiners?) (?:are |will be )?(?:on site|"
            r"coming|visiting|arriving|here) (?:\S+ ){0,2}(?:next week|tomorrow|today|this week|"
            r"monday|tuesday|wednesday|thursday|friday)",
            r"(?:meets|meeting|hearing|review|call|board meeting|committee) (?:is |on |this |"
            r"next )?"
            r"(?:today|tonight|tomorrow|monday|tuesday|wednesday|thursday|friday)",
        ),
        negatable=True,
    ),
    Signal(
        "live.incident",
        "live",
        "urgent, or an incident in progress",
        1.0,
        (
            r"(?:sev|severity)[- ]?[0-2]\b",
            r"p0",
            r"(?:active|ongoing|open|major) incident",
            r"incident (?:channel|is open|in progress|commander|ongoing|declared)",
            r"pagerduty",
            r"paged",
            r"war room",
            r"(?:urgent(?:ly)?|immediately|asap|right away|top priority|highest priority|"
            r"hotfix|emergency)",
        ),
        negatable=True,
    ),
    # ------------------------------------------------------------------ calm
    Signal(
        "calm.planned",
        "calm",
        "planned, not an emergency",
        3.0,
        (
            r"no (?:known|evidence of|reported|sign of|signs of|actual|observed|confirmed) "
            r"(?:\S+ )?(?:leaks?|compromise|exploitation|incidents?|issues?|data loss|abuse|"
            r"breach(?:es)?|impact|misuse|attacks?|problems?|exposure)",
            r"no (?:customer|user|production|prod|real|known customer|client) "
            r"(?:impact|data|exposure|harm)",
            r"not (?:yet )?(?:in|on|deployed to|released to|shipped to|live in|reached) "
            r"(?:production|prod|customers|users)",
            r"(?:has|have) not (?:yet )?(?:happened|occurred|been seen|reached|shipped)",
            r"(?:hasn't|haven't|never) (?:\S+ )?(?:happened|occurred|been seen|been exploited|"
            r"shipped|reached (?:users|customers|production))",
            r"(?:only|just) (?:\S+ ){0,2}(?:on|in|under|during) (?:the )?(?:staging|dev|"
            r"development|test|testing|a test|local|ci|qa|sandbox|load tests?|preview|beta)",
            r"only reproduc\w+ (?:in|on|under|with)",
            r"(?:staging|test|dev|sandbox|qa)[- ]only",
            r"proactive\w*",
            r"hardening",
            r"preventive",
            r"precaution\w*",
            r"defen[cs]e[- ]in[- ]depth",
            r"not (?:customer|user)[- ]visible",
            r"(?:nothing|none of this) is (?:on fire|broken|urgent|live)",
            r"not (?:an? )?(?:emergency|incident|outage)",
            r"not (?:\S+ ){0,2}enough to be an incident",
            r"no (?:deadline|rush to ship|urgency|time pressure)",
            r"we have time",
            r"design (?:doc|document|proposal|review)",
            r"rfc(?![\s-]*\d)",
            r"spike",
            r"threat model",
            r"(?:planned|planning|scheduled|slated|targeted|aiming) for",
            r"(?:not scheduled|unscheduled) (?:before|until)",
            r"(?:next|coming) (?:quarter|half|year|cycle)",
            r"(?:upcoming|future|next year's) (?:audit|release|contracts?|launch|review)",
            r"before (?:launch|go-?live|we launch|the launch|general availability|ga)",
            r"follow[- ]?ups? (?:from|to|for) (?:the |an? )?(?:inc|incident|postmortem|"
            r"post-mortem|outage|sev)",
            r"post-?mortem (?:follow[- ]?up|action item)s?",
            r"(?:was|were|has been|have been) (?:already )?(?:resolved|mitigated|contained)",
            r"(?:already|has been|have been) fixed",
            r"after the (?:incident|outage)",
        ),
    ),
    # ------------------------------------------------------------------ mood
    Signal(
        "mood.hypothetical",
        "mood",
        "a requirement or a hypothesis, not an event",
        0.0,
        (
            r"if (?:we|it|this|that|they|an? attacker|someone ever|ever)",
            r"if (?:the |a |an |our |any |one )?(?:\S+ ){0,3}(?:is|are|goes|go|becomes|fails|"
            r"dies|crashes|gets) (?:down|unavailable|unreachable|offline|lost|compromised|leaked)",
            r"(?:fall ?back|fallback|failover|fail over|degrade\w*) (?:\S+ ){0,6}(?:if|when|"
            r"in case)",
            r"what if",
            r"in case",
            r"would",
            r"could (?:potentially|theoretically|in theory|eventually|someday|one day|lead to|"
            r"allow|let|result in|cause)",
            r"(?:potential|potentially|theoretical|theoretically|hypothetical\w*)",
            r"(?:to|and|will|would|should|must|can|could|helps?|help to|"
            r"in order to) prevent",
            r"prevent (?:future|further|this|that|it|such|any|similar|regressions?|accidental)",
            r"prevention",
            r"(?:to|and) avoid",
            r"ensure\w*",
            r"make sure",
            r"(?:must|should|shall|may) (?:not|never)",
            r"(?:mustn't|shouldn't|can never|won't ever)",
            r"so that",
            r"(?:guard|protect\w*|defend\w*) against",
            r"(?:in (?:the )?future|going forward|from now on)",
            r"risk of",
            r"(?:detect|alert on|warn about|flag|catch) (?:\S+ ){0,3}(?:when|if|any)",
            r"tests? (?:that|which) (?:fail|check|verify|assert)",
            r"(?:audit|review|check|scan) (?:\S+ ){0,3}for (?:signs of|similar|other)",
        ),
    ),
)
"""The concept lexicons. Ids are permanent; `asset.*`, `damage.*`, `live.*`, `calm.*`, `mood.*`."""
