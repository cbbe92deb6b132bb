/// The synthetic world a ``TransactionGenerator`` draws from: countries, merchant categories, merchants and cards.
///
/// Built once from the seed and then read-only (a `final class` so generator copies share it).
final class Population: Sendable {
    /// A country: ISO codes, currency, region (distant = different region) and how common it is.
    struct Country: Sendable {
        var code: String
        var currency: String
        var region: UInt8
        /// Local currency units per US dollar (fixed, synthetic).
        var perUSD: Double
        /// Whether the currency has minor units (JPY does not).
        var hasCents: Bool
        /// Relative weight as a home country of cards and merchants.
        var weight: Double
    }

    /// A merchant category: MCC, how common, typical ticket, channels it sells through.
    struct Category: Sendable {
        var mcc: Int32
        var weight: Double
        /// Median ticket in US dollars (log-normal).
        var medianUSD: Double
        var sigma: Double
        var cardPresent: Bool
        var online: Bool
    }

    static let countries: [Country] = [
        Country(code: "US", currency: "USD", region: 0, perUSD: 1, hasCents: true, weight: 0.70),
        Country(code: "CA", currency: "CAD", region: 0, perUSD: 1.35, hasCents: true, weight: 0.04),
        Country(code: "MX", currency: "MXN", region: 0, perUSD: 17, hasCents: true, weight: 0.02),
        Country(code: "GB", currency: "GBP", region: 1, perUSD: 0.79, hasCents: true, weight: 0.05),
        Country(code: "FR", currency: "EUR", region: 1, perUSD: 0.92, hasCents: true, weight: 0.04),
        Country(code: "DE", currency: "EUR", region: 1, perUSD: 0.92, hasCents: true, weight: 0.04),
        Country(code: "ES", currency: "EUR", region: 1, perUSD: 0.92, hasCents: true, weight: 0.02),
        Country(code: "IT", currency: "EUR", region: 1, perUSD: 0.92, hasCents: true, weight: 0.02),
        Country(code: "NL", currency: "EUR", region: 1, perUSD: 0.92, hasCents: true, weight: 0.01),
        Country(code: "BR", currency: "BRL", region: 2, perUSD: 5, hasCents: true, weight: 0.02),
        Country(code: "JP", currency: "JPY", region: 3, perUSD: 150, hasCents: false, weight: 0.01),
        Country(code: "SG", currency: "SGD", region: 3, perUSD: 1.34, hasCents: true, weight: 0.01),
        Country(code: "IN", currency: "INR", region: 3, perUSD: 83, hasCents: true, weight: 0.01),
        Country(code: "AU", currency: "AUD", region: 4, perUSD: 1.5, hasCents: true, weight: 0.005),
        Country(code: "ZA", currency: "ZAR", region: 5, perUSD: 18.5, hasCents: true, weight: 0.005),
    ]

    static let categories: [Category] = [
        Category(mcc: 5411, weight: 0.18, medianUSD: 45, sigma: 0.6, cardPresent: true, online: false),  // grocery
        Category(mcc: 5541, weight: 0.10, medianUSD: 40, sigma: 0.4, cardPresent: true, online: false),  // gas
        Category(mcc: 5812, weight: 0.18, medianUSD: 32, sigma: 0.6, cardPresent: true, online: false),  // restaurants
        Category(mcc: 5311, weight: 0.05, medianUSD: 70, sigma: 0.8, cardPresent: true, online: false),  // department
        Category(mcc: 5912, weight: 0.06, medianUSD: 25, sigma: 0.7, cardPresent: true, online: false),  // pharmacy
        Category(mcc: 5999, weight: 0.10, medianUSD: 55, sigma: 0.9, cardPresent: false, online: true),  // online retail
        Category(mcc: 5734, weight: 0.03, medianUSD: 25, sigma: 0.8, cardPresent: false, online: true),  // software
        Category(mcc: 5732, weight: 0.05, medianUSD: 180, sigma: 0.9, cardPresent: true, online: true),  // electronics
        Category(mcc: 4511, weight: 0.03, medianUSD: 350, sigma: 0.6, cardPresent: false, online: true),  // airlines
        Category(mcc: 5815, weight: 0.04, medianUSD: 9, sigma: 0.8, cardPresent: false, online: true),  // digital media
        Category(mcc: 5816, weight: 0.03, medianUSD: 12, sigma: 0.9, cardPresent: false, online: true),  // digital games
        Category(mcc: 5944, weight: 0.02, medianUSD: 400, sigma: 0.8, cardPresent: true, online: true),  // jewellery
        Category(mcc: 6011, weight: 0.05, medianUSD: 100, sigma: 0.7, cardPresent: false, online: false),  // ATM
    ]

    static let grocery = 0, gas = 1, restaurants = 2, department = 3, onlineRetail = 5, electronics = 7
    static let airlines = 8, digitalMedia = 9, digitalGames = 10, jewellery = 11, atm = 12

    // Cards (structure of arrays, index = card number).
    let cardIDs: [String]
    let cardHome: [UInt8]
    /// Multiplier of the card's usual spending (log-normal around 1).
    let cardScale: [Double]
    let cardEcomShare: [Double]
    let cardDeviceCount: [UInt8]
    /// Two device ids per card: index `2 * card + k`.
    let deviceIDs: [String]
    let cardActivity: AliasTable

    // Merchants.
    let merchantIDs: [String]
    let merchantCategory: [UInt8]
    let merchantCountry: [UInt8]
    /// Merchants by `country * categories.count + category`.
    let byCountryCategory: [[Int32]]
    let byCategory: [[Int32]]
    let byCountry: [[Int32]]

    let countryChoice: AliasTable
    let cardPresentCategory: AliasTable
    let cardPresentCategories: [Int]
    let onlineCategory: AliasTable
    let onlineCategories: [Int]

    init(_ config: GeneratorConfig, rng: inout Xoshiro256StarStar) {
        let countries = Self.countries
        let categories = Self.categories
        countryChoice = AliasTable(weights: countries.map(\.weight))
        cardPresentCategories = categories.indices.filter { categories[$0].cardPresent }
        cardPresentCategory = AliasTable(weights: cardPresentCategories.map { categories[$0].weight })
        onlineCategories = categories.indices.filter { categories[$0].online }
        onlineCategory = AliasTable(weights: onlineCategories.map { categories[$0].weight })

        // Merchants: first a grocery, a restaurant and an ATM in every country (so card-present fraud abroad always
        // finds a terminal), then countries and categories by weight.
        let merchantCategoryChoice = AliasTable(weights: categories.map(\.weight))
        var mIDs: [String] = [], mCategory: [UInt8] = [], mCountry: [UInt8] = []
        mIDs.reserveCapacity(config.merchants)
        for i in 0..<config.merchants {
            let country: Int, category: Int
            let seeded = [Self.grocery, Self.restaurants, Self.atm]
            if i < countries.count * seeded.count {
                country = i % countries.count
                category = seeded[i / countries.count]
            } else {
                country = countryChoice.sample(&rng)
                category = merchantCategoryChoice.sample(&rng)
            }
            mIDs.append(Self.id("merch_", UInt64(i), width: 6))
            mCategory.append(UInt8(category))
            mCountry.append(UInt8(country))
        }
        var byCC = [[Int32]](repeating: [], count: countries.count * categories.count)
        var byCat = [[Int32]](repeating: [], count: categories.count)
        var byCountry = [[Int32]](repeating: [], count: countries.count)
        for m in 0..<mIDs.count {
            byCC[Int(mCountry[m]) * categories.count + Int(mCategory[m])].append(Int32(m))
            byCat[Int(mCategory[m])].append(Int32(m))
            byCountry[Int(mCountry[m])].append(Int32(m))
        }
        merchantIDs = mIDs
        merchantCategory = mCategory
        merchantCountry = mCountry
        byCountryCategory = byCC
        byCategory = byCat
        self.byCountry = byCountry

        // Cards.
        var ids: [String] = [], home: [UInt8] = [], scale: [Double] = [], ecom: [Double] = []
        var deviceCount: [UInt8] = [], devices: [String] = [], activity: [Double] = []
        ids.reserveCapacity(config.cards)
        devices.reserveCapacity(2 * config.cards)
        for c in 0..<config.cards {
            ids.append(Self.id("card_", UInt64(c), width: 7))
            home.append(UInt8(countryChoice.sample(&rng)))
            scale.append(rng.logNormal(median: 1, sigma: 0.5))
            ecom.append(rng.uniform(0.08, 0.45))
            deviceCount.append(rng.chance(0.4) ? 2 : 1)
            devices.append(Self.id("dev_", UInt64(c), width: 7, suffix: 1))
            devices.append(Self.id("dev_", UInt64(c), width: 7, suffix: 2))
            activity.append(rng.logNormal(median: 1, sigma: config.cardActivitySigma))
        }
        cardIDs = ids
        cardHome = home
        cardScale = scale
        cardEcomShare = ecom
        cardDeviceCount = deviceCount
        deviceIDs = devices
        cardActivity = AliasTable(weights: activity)
    }

    /// A merchant of `category` in `country`, falling back to any merchant in the country (the transaction's country
    /// matters more than its category: card-present fraud features look at countries), then to the category
    /// anywhere, then any merchant. Popularity is skewed towards the first merchants of each list.
    func merchant(category: Int, country: Int, rng: inout Xoshiro256StarStar) -> Int {
        let exact = byCountryCategory[country * Self.categories.count + category]
        if !exact.isEmpty { return Int(Self.pickSkewed(exact, &rng)) }
        if !byCountry[country].isEmpty { return Int(Self.pickSkewed(byCountry[country], &rng)) }
        if !byCategory[category].isEmpty { return Int(Self.pickSkewed(byCategory[category], &rng)) }
        return rng.int(below: merchantIDs.count)
    }

    /// An element of a non-empty list, index ~ n·u², so earlier merchants are more popular.
    @inline(__always)
    private static func pickSkewed(_ list: [Int32], _ rng: inout Xoshiro256StarStar) -> Int32 {
        let u = rng.uniform()
        return list[min(list.count - 1, Int(Double(list.count) * u * u))]
    }

    /// `prefix` + zero-padded decimal `n` (+ `_suffix`): ids of at most 15 bytes stay inline in `String`.
    static func id(_ prefix: StaticString, _ n: UInt64, width: Int, suffix: Int? = nil) -> String {
        var digits: [UInt8] = []
        var v = n
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(v % 10))
            v /= 10
        } while v != 0
        while digits.count < width { digits.append(UInt8(ascii: "0")) }
        var bytes = Array(UnsafeBufferPointer(start: prefix.utf8Start, count: prefix.utf8CodeUnitCount))
        bytes.append(contentsOf: digits.reversed())
        if let suffix {
            bytes.append(UInt8(ascii: "_"))
            bytes.append(contentsOf: String(suffix).utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `txn_` + 10-digit sequence number, without heap allocation (the hot path of the generator).
    static func transactionID(_ n: UInt64) -> String {
        let width = max(10, n == 0 ? 1 : Int(Self.decimalDigits(n)))
        return String(unsafeUninitializedCapacity: 4 + width) { buffer in
            buffer[0] = UInt8(ascii: "t")
            buffer[1] = UInt8(ascii: "x")
            buffer[2] = UInt8(ascii: "n")
            buffer[3] = UInt8(ascii: "_")
            var v = n
            var i = 4 + width - 1
            while i >= 4 {
                buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
                i -= 1
            }
            return 4 + width
        }
    }

    private static func decimalDigits(_ n: UInt64) -> Int {
        var d = 0
        var v = n
        while v != 0 {
            d += 1
            v /= 10
        }
        return d
    }
}
