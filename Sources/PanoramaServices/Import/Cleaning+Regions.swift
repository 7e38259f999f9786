// Canonical names of China's provincial-level divisions and of its capitals and major cities.

/// Lookup tables for `ImportCleaner.province` and `ImportCleaner.city`.
enum ChinaRegions {
    /// The 34 provincial-level divisions: canonical name, other Chinese names (short name, one-character
    /// abbreviation), romanisations.
    static let provinces: [(name: String, aliases: [String], latin: [String])] = [
        ("北京市", ["北京", "京"], ["beijing", "peking"]),
        ("天津市", ["天津", "津"], ["tianjin"]),
        ("上海市", ["上海", "沪", "申"], ["shanghai"]),
        ("重庆市", ["重庆", "渝"], ["chongqing"]),
        ("河北省", ["河北", "冀"], ["hebei"]),
        ("山西省", ["山西", "晋"], ["shanxi"]),
        ("辽宁省", ["辽宁", "辽"], ["liaoning"]),
        ("吉林省", ["吉林", "吉"], ["jilin"]),
        ("黑龙江省", ["黑龙江", "黑"], ["heilongjiang"]),
        ("江苏省", ["江苏", "苏"], ["jiangsu"]),
        ("浙江省", ["浙江", "浙"], ["zhejiang"]),
        ("安徽省", ["安徽", "皖"], ["anhui"]),
        ("福建省", ["福建", "闽"], ["fujian"]),
        ("江西省", ["江西", "赣"], ["jiangxi"]),
        ("山东省", ["山东", "鲁"], ["shandong"]),
        ("河南省", ["河南", "豫"], ["henan"]),
        ("湖北省", ["湖北", "鄂"], ["hubei"]),
        ("湖南省", ["湖南", "湘"], ["hunan"]),
        ("广东省", ["广东", "粤"], ["guangdong"]),
        ("海南省", ["海南", "琼"], ["hainan"]),
        ("四川省", ["四川", "川", "蜀"], ["sichuan", "szechuan"]),
        ("贵州省", ["贵州", "贵", "黔"], ["guizhou"]),
        ("云南省", ["云南", "云", "滇"], ["yunnan"]),
        ("陕西省", ["陕西", "陕", "秦"], ["shaanxi"]),
        ("甘肃省", ["甘肃", "甘", "陇"], ["gansu"]),
        ("青海省", ["青海", "青"], ["qinghai"]),
        ("台湾省", ["台湾", "台"], ["taiwan"]),
        ("内蒙古自治区", ["内蒙古", "内蒙", "蒙"], ["neimenggu", "innermongolia", "neimongol"]),
        ("广西壮族自治区", ["广西", "桂"], ["guangxi"]),
        ("西藏自治区", ["西藏", "藏"], ["xizang", "tibet"]),
        ("宁夏回族自治区", ["宁夏", "宁"], ["ningxia"]),
        ("新疆维吾尔自治区", ["新疆", "新"], ["xinjiang"]),
        ("香港特别行政区", ["香港", "港"], ["hongkong", "xianggang", "hk", "hksar"]),
        ("澳门特别行政区", ["澳门", "澳"], ["macau", "macao", "aomen"]),
    ]

    /// Capitals and major cities: canonical name, province, romanisations (left out where two cities share one,
    /// e.g. 台州/泰州 "taizhou").
    static let cities: [(name: String, province: String, latin: [String])] = [
        ("北京市", "北京市", ["beijing", "peking"]),
        ("天津市", "天津市", ["tianjin"]),
        ("上海市", "上海市", ["shanghai"]),
        ("重庆市", "重庆市", ["chongqing"]),
        ("香港特别行政区", "香港特别行政区", ["hongkong", "xianggang"]),
        ("澳门特别行政区", "澳门特别行政区", ["macau", "macao", "aomen"]),
        ("石家庄市", "河北省", ["shijiazhuang"]),
        ("唐山市", "河北省", ["tangshan"]),
        ("保定市", "河北省", ["baoding"]),
        ("邯郸市", "河北省", ["handan"]),
        ("秦皇岛市", "河北省", ["qinhuangdao"]),
        ("廊坊市", "河北省", ["langfang"]),
        ("沧州市", "河北省", ["cangzhou"]),
        ("邢台市", "河北省", ["xingtai"]),
        ("张家口市", "河北省", ["zhangjiakou"]),
        ("承德市", "河北省", ["chengde"]),
        ("衡水市", "河北省", ["hengshui"]),
        ("太原市", "山西省", ["taiyuan"]),
        ("大同市", "山西省", ["datong"]),
        ("呼和浩特市", "内蒙古自治区", ["hohhot", "huhehaote"]),
        ("包头市", "内蒙古自治区", ["baotou"]),
        ("鄂尔多斯市", "内蒙古自治区", ["ordos", "eerduosi"]),
        ("沈阳市", "辽宁省", ["shenyang"]),
        ("大连市", "辽宁省", ["dalian"]),
        ("鞍山市", "辽宁省", ["anshan"]),
        ("抚顺市", "辽宁省", ["fushun"]),
        ("锦州市", "辽宁省", ["jinzhou"]),
        ("营口市", "辽宁省", ["yingkou"]),
        ("丹东市", "辽宁省", ["dandong"]),
        ("长春市", "吉林省", ["changchun"]),
        ("吉林市", "吉林省", ["jilin"]),
        ("哈尔滨市", "黑龙江省", ["harbin", "haerbin"]),
        ("大庆市", "黑龙江省", ["daqing"]),
        ("齐齐哈尔市", "黑龙江省", ["qiqihar", "qiqihaer"]),
        ("牡丹江市", "黑龙江省", ["mudanjiang"]),
        ("南京市", "江苏省", ["nanjing", "nanking"]),
        ("苏州市", "江苏省", ["suzhou"]),
        ("无锡市", "江苏省", ["wuxi"]),
        ("常州市", "江苏省", ["changzhou"]),
        ("南通市", "江苏省", ["nantong"]),
        ("徐州市", "江苏省", ["xuzhou"]),
        ("扬州市", "江苏省", ["yangzhou"]),
        ("镇江市", "江苏省", ["zhenjiang"]),
        ("盐城市", "江苏省", ["yancheng"]),
        ("泰州市", "江苏省", []),
        ("淮安市", "江苏省", ["huaian"]),
        ("连云港市", "江苏省", ["lianyungang"]),
        ("宿迁市", "江苏省", ["suqian"]),
        ("杭州市", "浙江省", ["hangzhou"]),
        ("宁波市", "浙江省", ["ningbo"]),
        ("温州市", "浙江省", ["wenzhou"]),
        ("绍兴市", "浙江省", ["shaoxing"]),
        ("嘉兴市", "浙江省", ["jiaxing"]),
        ("金华市", "浙江省", ["jinhua"]),
        ("台州市", "浙江省", []),
        ("湖州市", "浙江省", ["huzhou"]),
        ("舟山市", "浙江省", ["zhoushan"]),
        ("丽水市", "浙江省", ["lishui"]),
        ("衢州市", "浙江省", ["quzhou"]),
        ("合肥市", "安徽省", ["hefei"]),
        ("芜湖市", "安徽省", ["wuhu"]),
        ("蚌埠市", "安徽省", ["bengbu"]),
        ("安庆市", "安徽省", ["anqing"]),
        ("阜阳市", "安徽省", ["fuyang"]),
        ("马鞍山市", "安徽省", ["maanshan"]),
        ("淮南市", "安徽省", ["huainan"]),
        ("福州市", "福建省", ["fuzhou"]),
        ("厦门市", "福建省", ["xiamen", "amoy"]),
        ("泉州市", "福建省", ["quanzhou"]),
        ("漳州市", "福建省", ["zhangzhou"]),
        ("莆田市", "福建省", ["putian"]),
        ("南昌市", "江西省", ["nanchang"]),
        ("九江市", "江西省", ["jiujiang"]),
        ("赣州市", "江西省", ["ganzhou"]),
        ("济南市", "山东省", ["jinan"]),
        ("青岛市", "山东省", ["qingdao", "tsingtao"]),
        ("烟台市", "山东省", ["yantai"]),
        ("潍坊市", "山东省", ["weifang"]),
        ("临沂市", "山东省", ["linyi"]),
        ("淄博市", "山东省", ["zibo"]),
        ("济宁市", "山东省", ["jining"]),
        ("泰安市", "山东省", ["taian"]),
        ("威海市", "山东省", ["weihai"]),
        ("日照市", "山东省", ["rizhao"]),
        ("德州市", "山东省", ["dezhou"]),
        ("聊城市", "山东省", ["liaocheng"]),
        ("滨州市", "山东省", ["binzhou"]),
        ("东营市", "山东省", ["dongying"]),
        ("菏泽市", "山东省", ["heze"]),
        ("枣庄市", "山东省", ["zaozhuang"]),
        ("郑州市", "河南省", ["zhengzhou"]),
        ("洛阳市", "河南省", ["luoyang"]),
        ("南阳市", "河南省", ["nanyang"]),
        ("新乡市", "河南省", ["xinxiang"]),
        ("许昌市", "河南省", ["xuchang"]),
        ("开封市", "河南省", ["kaifeng"]),
        ("安阳市", "河南省", ["anyang"]),
        ("武汉市", "湖北省", ["wuhan"]),
        ("襄阳市", "湖北省", ["xiangyang"]),
        ("宜昌市", "湖北省", ["yichang"]),
        ("荆州市", "湖北省", ["jingzhou"]),
        ("黄石市", "湖北省", ["huangshi"]),
        ("十堰市", "湖北省", ["shiyan"]),
        ("孝感市", "湖北省", ["xiaogan"]),
        ("长沙市", "湖南省", ["changsha"]),
        ("株洲市", "湖南省", ["zhuzhou"]),
        ("湘潭市", "湖南省", ["xiangtan"]),
        ("衡阳市", "湖南省", ["hengyang"]),
        ("岳阳市", "湖南省", ["yueyang"]),
        ("常德市", "湖南省", ["changde"]),
        ("广州市", "广东省", ["guangzhou", "canton"]),
        ("深圳市", "广东省", ["shenzhen"]),
        ("东莞市", "广东省", ["dongguan"]),
        ("佛山市", "广东省", ["foshan"]),
        ("珠海市", "广东省", ["zhuhai"]),
        ("中山市", "广东省", ["zhongshan"]),
        ("惠州市", "广东省", ["huizhou"]),
        ("汕头市", "广东省", ["shantou"]),
        ("江门市", "广东省", ["jiangmen"]),
        ("湛江市", "广东省", ["zhanjiang"]),
        ("肇庆市", "广东省", ["zhaoqing"]),
        ("清远市", "广东省", ["qingyuan"]),
        ("揭阳市", "广东省", ["jieyang"]),
        ("茂名市", "广东省", ["maoming"]),
        ("韶关市", "广东省", ["shaoguan"]),
        ("梅州市", "广东省", ["meizhou"]),
        ("汕尾市", "广东省", ["shanwei"]),
        ("河源市", "广东省", ["heyuan"]),
        ("阳江市", "广东省", ["yangjiang"]),
        ("潮州市", "广东省", ["chaozhou"]),
        ("云浮市", "广东省", ["yunfu"]),
        ("南宁市", "广西壮族自治区", ["nanning"]),
        ("柳州市", "广西壮族自治区", ["liuzhou"]),
        ("桂林市", "广西壮族自治区", ["guilin"]),
        ("北海市", "广西壮族自治区", ["beihai"]),
        ("海口市", "海南省", ["haikou"]),
        ("三亚市", "海南省", ["sanya"]),
        ("成都市", "四川省", ["chengdu"]),
        ("绵阳市", "四川省", ["mianyang"]),
        ("乐山市", "四川省", ["leshan"]),
        ("宜宾市", "四川省", ["yibin"]),
        ("南充市", "四川省", ["nanchong"]),
        ("泸州市", "四川省", ["luzhou"]),
        ("德阳市", "四川省", ["deyang"]),
        ("自贡市", "四川省", ["zigong"]),
        ("贵阳市", "贵州省", ["guiyang"]),
        ("遵义市", "贵州省", ["zunyi"]),
        ("昆明市", "云南省", ["kunming"]),
        ("曲靖市", "云南省", ["qujing"]),
        ("玉溪市", "云南省", ["yuxi"]),
        ("拉萨市", "西藏自治区", ["lhasa", "lasa"]),
        ("西安市", "陕西省", ["xian"]),
        ("咸阳市", "陕西省", ["xianyang"]),
        ("宝鸡市", "陕西省", ["baoji"]),
        ("延安市", "陕西省", ["yanan"]),
        ("兰州市", "甘肃省", ["lanzhou"]),
        ("天水市", "甘肃省", ["tianshui"]),
        ("西宁市", "青海省", ["xining"]),
        ("银川市", "宁夏回族自治区", ["yinchuan"]),
        ("乌鲁木齐市", "新疆维吾尔自治区", ["urumqi", "wulumuqi"]),
        ("克拉玛依市", "新疆维吾尔自治区", ["karamay", "kelamayi"]),
        ("台北市", "台湾省", ["taipei", "taibei"]),
        ("高雄市", "台湾省", ["kaohsiung", "gaoxiong"]),
    ]

    /// Traditional characters that occur in the names above, to their simplified forms.
    private static let simplified: [Character: Character] = {
        let pairs =
            "東东廣广龍龙蘇苏遼辽雲云貴贵陝陕肅肃寧宁臺台灣湾門门內内維维爾尔區区別别慶庆壯壮鄭郑瀋沈陽阳長长蘭兰烏乌魯鲁齊齐濟济銀银濱滨漢汉"
            + "廈厦無无錫锡溫温島岛連连薩萨莊庄華华興兴紹绍麗丽嶺岭錦锦撫抚營营馬马寶宝雞鸡鷄鸡鎮镇揚扬鹽盐臨临棗枣澤泽許许開开頭头遠远"
            + "綿绵樂乐賓宾瀘泸貢贡義义鹹咸瑪玛黃黄亞亚遷迁蕪芜濰潍煙烟荊荆張张滄沧鄲郸順顺贛赣閩闽粵粤瓊琼隴陇晉晋滬沪灣湾"
        var table: [Character: Character] = [:]
        var iterator = pairs.makeIterator()
        while let traditional = iterator.next(), let simple = iterator.next() { table[traditional] = simple }
        return table
    }()

    private static let provinceByName: [String: String] = {
        var table: [String: String] = [:]
        for (name, aliases, _) in provinces {
            table[name] = name
            for alias in aliases { table[alias] = name }
        }
        return table
    }()

    private static let provinceByLatin: [String: String] = {
        var table: [String: String] = [:]
        for (name, _, latin) in provinces {
            for word in latin { table[word] = name }
        }
        return table
    }()

    private static let cityByName: [String: (String, String)] = {
        var table: [String: (String, String)] = [:]
        for (name, province, _) in cities {
            table[name] = (name, province)
            if name.hasSuffix("市") { table[String(name.dropLast())] = (name, province) }
        }
        table["香港"] = ("香港特别行政区", "香港特别行政区")
        table["澳门"] = ("澳门特别行政区", "澳门特别行政区")
        return table
    }()

    private static let cityByLatin: [String: (String, String)] = {
        var table: [String: (String, String)] = [:]
        for (name, province, latin) in cities {
            for word in latin { table[word] = (name, province) }
        }
        return table
    }()

    /// Province prefixes to strip from values like `广东省广州市`, longest first.
    private static let provincePrefixes: [String] = {
        var names: [String] = []
        for (name, aliases, _) in provinces {
            names.append(name)
            names.append(contentsOf: aliases.filter { $0.count >= 2 })
        }
        return names.sorted { $0.count > $1.count }
    }()

    private static let chineseSuffixes = ["特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "特区", "省", "市"]
    private static let latinSuffixes = [
        "specialadministrativeregion", "autonomousregion", "municipality", "province", "zizhiqu", "sheng", "city",
        "sar", "shi",
    ]

    static func province(_ text: String) -> String? {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            let key = latinKey(text)
            if let name = provinceByLatin[key] { return name }
            for suffix in latinSuffixes where key.hasSuffix(suffix) && key.count > suffix.count {
                if let name = provinceByLatin[String(key.dropLast(suffix.count))] { return name }
            }
            return nil
        }
        let name = simplify(text)
        if let canonical = provinceByName[name] { return canonical }
        for suffix in chineseSuffixes where name.hasSuffix(suffix) && name.count > suffix.count {
            if let canonical = provinceByName[String(name.dropLast(suffix.count))] { return canonical }
        }
        return nil
    }

    static func city(_ text: String) -> (String, String)? {
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            let key = latinKey(text)
            if let city = cityByLatin[key] { return city }
            for suffix in ["city", "shi"] where key.hasSuffix(suffix) && key.count > suffix.count {
                if let city = cityByLatin[String(key.dropLast(suffix.count))] { return city }
            }
            return nil
        }
        let name = simplify(text).filter { !$0.isWhitespace }
        if let city = cityByName[name] { return city }
        for prefix in provincePrefixes where name.hasPrefix(prefix) && name.count > prefix.count {
            if let city = cityByName[String(name.dropFirst(prefix.count))] { return city }
        }
        return nil
    }

    /// Lower-case letters only: `"Hong Kong SAR"` → `"hongkongsar"`, `"Xi'an"` → `"xian"`.
    private static func latinKey(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.compactMap { scalar -> Unicode.Scalar? in
                    let value = scalar.value
                    if value >= 0x61 && value <= 0x7A { return scalar }
                    if value >= 0x41 && value <= 0x5A { return Unicode.Scalar(value + 0x20) }
                    return nil
                }))
    }

    private static func simplify(_ text: String) -> String {
        guard text.contains(where: { simplified[$0] != nil }) else { return text }
        return String(text.map { simplified[$0] ?? $0 })
    }
}
