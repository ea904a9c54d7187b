import Foundation

/// Geographic NANP area codes and the time zone each is called in.
///
/// Overlays share their parent's zone. Where an area code straddles a zone line its row
/// holds the zone most of its population lives in, which is not always its state's zone: the
/// Florida panhandle (850, 448), western Kentucky (270, 364) and northwest Indiana (219)
/// are Central, east Tennessee (423, 865) is Eastern, El Paso (915) is Mountain; and
/// `otherZonesByAreaCode` adds the zones on the other side of the line.
/// Non-geographic codes (toll-free 8XX, 500s, 600, 700, 900) are absent on purpose.
enum AreaCodeTimeZones {
    /// Area code to IANA zone, built from `rows`.
    static let zonesByAreaCode: [String: String] = {
        var table: [String: String] = [:]
        for row in rows {
            for code in row.codes.split(separator: " ") {
                let previous = table.updateValue(row.zone, forKey: String(code))
                assert(previous == nil, "area code \(code) is listed twice")
            }
        }
        return table
    }()

    /// Area code to every zone it may be dialed in, its own (`zonesByAreaCode`) first.
    static func allZones(_ areaCode: String) -> [String] {
        guard let zone = zonesByAreaCode[areaCode] else { return [] }
        return [zone] + (otherZonesByAreaCode[areaCode] ?? [])
    }

    /// Area code to the US state (or DC, or territory) it was handed out in; nil for Canada
    /// and the rest of the NANP. Its calling rules apply to the number's holder.
    static let stateByAreaCode: [String: String] = {
        var table: [String: String] = [:]
        for row in rows where CallingTimeZone.zonesByState[row.region] != nil {
            for code in row.codes.split(separator: " ") { table[String(code)] = row.region }
        }
        return table
    }()

    /// Area codes whose territory crosses a zone line, with the zones on the other side: a
    /// number there may ring in any of them, so each one's window must be open. Overlays
    /// cover what their parent covers.
    static let otherZonesByAreaCode: [String: [String]] = [
        // Florida panhandle: Tallahassee is Eastern, Pensacola and Panama City Central.
        "850": ["America/New_York"], "448": ["America/New_York"],
        // Kentucky: the west and south-central are Central, the rest Eastern.
        "270": ["America/New_York"], "364": ["America/New_York"], "606": ["America/Chicago"],
        // Indiana: the southwest (Evansville) and Starke County are Central.
        "812": ["America/Chicago"], "930": ["America/Chicago"], "574": ["America/Chicago"],
        // Tennessee: Marion, Sequatchie and Bledsoe counties are Central inside 423.
        "423": ["America/Chicago"],
        // Michigan's Upper Peninsula: four counties on the Wisconsin line are Central.
        "906": ["America/Menominee"],
        // The Dakotas, Nebraska and Kansas: their western edges are Mountain.
        "701": ["America/Denver"], "605": ["America/Denver"], "308": ["America/Denver"],
        "785": ["America/Denver"], "620": ["America/Denver"],
        // Oregon: most of Malheur County is Mountain.
        "541": ["America/Boise"], "458": ["America/Boise"],
        // Idaho: the panhandle, north of the Salmon River, is Pacific.
        "208": ["America/Los_Angeles"], "986": ["America/Los_Angeles"],
        // Nevada: West Wendover and Jackpot keep Mountain time.
        "775": ["America/Denver"],
        // Arizona: the Navajo Nation keeps daylight-saving time.
        "928": ["America/Denver"],
        // Alaska: the Aleutians west of 169°30′ W are on Hawaii–Aleutian time.
        "907": ["America/Adak"],
        // Canada: northwestern Ontario, the territories, Lloydminster, eastern British Columbia.
        "807": ["America/Winnipeg"],
        "867": ["America/Whitehorse", "America/Winnipeg", "America/Toronto"],
        "306": ["America/Edmonton"], "639": ["America/Edmonton"], "474": ["America/Edmonton"],
        "250": ["America/Edmonton"], "236": ["America/Edmonton"], "257": ["America/Edmonton"],
        "672": ["America/Edmonton"], "778": ["America/Edmonton"],
    ]

    /// One row per state, province or country and zone: the region is there for the
    /// reader, and so a split state shows up as two rows.
    static let rows: [(region: String, zone: String, codes: String)] = [
        // United States
        ("AL", "America/Chicago", "205 251 256 334 483 659 938"),
        ("AK", "America/Anchorage", "907"),
        ("AZ", "America/Phoenix", "480 520 602 623 928"),
        ("AR", "America/Chicago", "327 479 501 870"),
        (
            "CA", "America/Los_Angeles",
            """
            209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 \
            661 669 707 714 738 747 760 764 805 818 820 831 837 840 858 909 916 925 949 951
            """
        ),
        ("CO", "America/Denver", "303 719 720 748 970 983"),
        ("CT", "America/New_York", "203 475 860 959"),
        ("DE", "America/New_York", "302"),
        ("DC", "America/New_York", "202 771"),
        (
            "FL", "America/New_York",
            """
            239 305 321 324 352 386 407 561 645 656 689 727 728 754 772 786 813 863 904 941 954
            """
        ),
        ("FL", "America/Chicago", "448 850"),
        ("GA", "America/New_York", "229 404 470 478 678 706 762 770 912 943"),
        ("HI", "Pacific/Honolulu", "808"),
        ("ID", "America/Boise", "208 986"),
        ("IL", "America/Chicago", "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 861 872"),
        ("IN", "America/Indiana/Indianapolis", "260 317 463 574 765 812 930"),
        ("IN", "America/Chicago", "219"),
        ("IA", "America/Chicago", "319 515 563 641 712"),
        ("KS", "America/Chicago", "316 620 785 913"),
        ("KY", "America/New_York", "502 606 859"),
        ("KY", "America/Chicago", "270 364"),
        ("LA", "America/Chicago", "225 318 337 504 985"),
        ("ME", "America/New_York", "207"),
        ("MD", "America/New_York", "227 240 301 410 443 667"),
        ("MA", "America/New_York", "339 351 413 508 617 774 781 857 978"),
        ("MI", "America/Detroit", "231 248 269 313 517 586 616 679 734 810 906 947 989"),
        ("MN", "America/Chicago", "218 320 507 612 651 763 924 952"),
        ("MS", "America/Chicago", "228 601 662 769"),
        ("MO", "America/Chicago", "235 314 417 557 573 636 660 816 975"),
        ("MT", "America/Denver", "406"),
        ("NE", "America/Chicago", "308 402 531"),
        ("NV", "America/Los_Angeles", "702 725 775"),
        ("NH", "America/New_York", "603"),
        ("NJ", "America/New_York", "201 551 609 640 732 848 856 862 908 973"),
        ("NM", "America/Denver", "505 575"),
        (
            "NY", "America/New_York",
            """
            212 315 329 332 347 363 516 518 585 607 624 631 646 680 716 718 838 845 914 917 929 934
            """
        ),
        ("NC", "America/New_York", "252 336 472 704 743 828 910 919 980 984"),
        ("ND", "America/Chicago", "701"),
        ("OH", "America/New_York", "216 220 234 283 326 330 380 419 436 440 513 567 614 740 937"),
        ("OK", "America/Chicago", "405 539 572 580 918"),
        ("OR", "America/Los_Angeles", "458 503 541 971"),
        ("PA", "America/New_York", "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878"),
        ("RI", "America/New_York", "401"),
        ("SC", "America/New_York", "803 821 839 843 854 864"),
        ("SD", "America/Chicago", "605"),
        ("TN", "America/Chicago", "615 629 731 901 931"),
        ("TN", "America/New_York", "423 865"),
        (
            "TX", "America/Chicago",
            """
            210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 \
            936 940 945 956 972 979
            """
        ),
        ("TX", "America/Denver", "915"),
        ("UT", "America/Denver", "385 435 801"),
        ("VT", "America/New_York", "802"),
        ("VA", "America/New_York", "276 434 540 571 686 703 757 804 826 948"),
        ("WA", "America/Los_Angeles", "206 253 360 425 509 564"),
        ("WV", "America/New_York", "304 681"),
        ("WI", "America/Chicago", "262 274 353 414 534 608 715 920"),
        ("WY", "America/Denver", "307"),
        // US territories
        ("PR", "America/Puerto_Rico", "787 939"),
        ("VI", "America/St_Thomas", "340"),
        ("GU", "Pacific/Guam", "671"),
        ("MP", "Pacific/Saipan", "670"),
        ("AS", "Pacific/Pago_Pago", "684"),
        // Canada (Quebec shares Toronto's clock; Saskatchewan keeps standard time all year)
        (
            "ON", "America/Toronto",
            """
            226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 807 905 942
            """
        ),
        ("QC", "America/Toronto", "263 354 367 418 438 450 468 514 579 581 819 873"),
        ("MB", "America/Winnipeg", "204 431 584"),
        ("SK", "America/Regina", "306 474 639"),
        ("AB", "America/Edmonton", "368 403 587 780 825"),
        ("BC", "America/Vancouver", "236 250 257 604 672 778"),
        ("NS/PE", "America/Halifax", "782 902"),
        ("NB", "America/Halifax", "428 506"),
        ("NL", "America/St_Johns", "709 879"),
        ("YT/NT/NU", "America/Edmonton", "867"),
        // The rest of the NANP
        ("Anguilla", "America/Anguilla", "264"),
        ("Antigua and Barbuda", "America/Antigua", "268"),
        ("Bahamas", "America/Nassau", "242"),
        ("Barbados", "America/Barbados", "246"),
        ("Bermuda", "Atlantic/Bermuda", "441"),
        ("British Virgin Islands", "America/Tortola", "284"),
        ("Cayman Islands", "America/Cayman", "345"),
        ("Dominica", "America/Dominica", "767"),
        ("Dominican Republic", "America/Santo_Domingo", "809 829 849"),
        ("Grenada", "America/Grenada", "473"),
        ("Jamaica", "America/Jamaica", "658 876"),
        ("Montserrat", "America/Montserrat", "664"),
        ("Saint Kitts and Nevis", "America/St_Kitts", "869"),
        ("Saint Lucia", "America/St_Lucia", "758"),
        ("Saint Vincent and the Grenadines", "America/St_Vincent", "784"),
        ("Sint Maarten", "America/Lower_Princes", "721"),
        ("Trinidad and Tobago", "America/Port_of_Spain", "868"),
        ("Turks and Caicos Islands", "America/Grand_Turk", "649"),
    ]
}
