language-choose = Выберите язык:
