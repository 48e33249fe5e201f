language-choose = Choose your language:
