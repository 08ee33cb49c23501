def all (p : α → Bool) : List α → Bool
  | [] => true
  | x :: xs => p x && all p xs

def app : List α → List α → List α
  | [], ys => ys
  | x :: xs, ys => x :: app xs ys

theorem all_app (p : α → Bool) (xs ys : List α) : all p (app xs ys) = (all p xs && all p ys) := sorry
