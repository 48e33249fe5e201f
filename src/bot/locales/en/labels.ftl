# Catalog labels (bot/labels.ts). The language code names the country names' language.
labels-language = en
term-days = { $days ->
    [one] { $days } day
   *[other] { $days } days
}
term-traffic = { $gb } GB
