def add : Nat → Nat → Nat
  | n, 0 => n
  | n, m+1 => add n m + 1

theorem add_zero_right (n : Nat) : add n 0 = n := sorry
