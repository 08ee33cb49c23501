def nmax (a b : Nat) : Nat := if a ≤ b then b else a

theorem nmax_comm (a b : Nat) : nmax a b = nmax b a := by
  sorry
