from loaders.parse.cells import place, split_row


def numbers(placement):
    return None if placement.values is None else [v.number for v in placement.values]


def test_exact_count_is_placed_and_blank_is_null():
    assert numbers(place(("1", "", "3"), 3, loose_edges=False)) == [1, None, 3]


def test_stray_edge_tabs_in_text_are_ignored():
    assert numbers(place(("", "1", "2", "3", ""), 3, loose_edges=True)) == [1, 2, 3]


def test_leading_empty_cells_are_blanks_when_the_count_says_so():
    assert numbers(place(("", "", "5", "6"), 4, loose_edges=True)) == [None, None, 5, 6]


def test_surplus_equal_values_agree_in_every_alignment():
    placement = place(("0",) * 8, 7, loose_edges=True)
    assert numbers(placement) == [0] * 7 and "every alignment" in placement.problem


def test_too_few_values_are_not_placed():
    placement = place(("0",) * 6, 7, loose_edges=True)
    assert placement.values is None and "6 values under 7" in placement.problem


def test_surplus_different_values_are_not_placed():
    assert place(("1", "2", "3"), 2, loose_edges=False).values is None


def test_blank_tokens_are_null_never_zero():
    assert numbers(place(("/", "—", "无"), 3, loose_edges=False)) == [None, None, None]


def test_signed_values_keep_their_sign():
    assert numbers(place(("+1036", "-3"), 2, loose_edges=False)) == [1036, -3]


def test_label_cells_are_split_from_value_cells():
    row = split_row(("", "(三) 不予公开", "1. 属于国家秘密", "0", "1"))
    assert row.label == "(三)不予公开1.属于国家秘密" and row.values == ("0", "1")
