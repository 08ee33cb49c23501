def lookup (k : Nat) : List (Nat × Nat) → Option Nat
  | [] => none
  | (k', v) :: rest => if k = k' then some v else lookup k rest

theorem lookup_nil (k : Nat) : lookup k [] = none := sorry
