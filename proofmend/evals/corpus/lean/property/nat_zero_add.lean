def add : Nat → Nat → Nat
  | n, 0 => n
  | n, m+1 => add n m + 1

theorem zero_add_left (n : Nat) : add 0 n = n := sorry
