def double : Nat → Nat
  | 0 => 0
  | n+1 => double n + 2

def isEven : Nat → Bool
  | 0 => true
  | 1 => false
  | n+2 => isEven n

theorem double_even (n : Nat) : isEven (double n) = true := sorry
