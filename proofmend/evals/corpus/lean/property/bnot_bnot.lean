def bnot : Bool → Bool
  | true => false
  | false => true

theorem bnot_bnot (b : Bool) : bnot (bnot b) = b := sorry
