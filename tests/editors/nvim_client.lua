-- Drives a real Neovim (0.7+, headless) as a user would: open a .v file, attach proofmend's
-- language server, pick "Mend proof" from the code-action menu, edit the buffer, save.
-- The steps come from the JSON file named by $PROOFMEND_EDITOR_TEST; what happened is written
-- as JSON to its "out" path.  Only the menu choice (vim.ui.select) and the message display are
-- replaced, the way a user's configuration replaces them.

local cfg = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv("PROOFMEND_EDITOR_TEST")), "\n"))
local out = { messages = {}, titles = {}, steps = {} }

local function save_out()
  vim.fn.writefile({ vim.fn.json_encode(out) }, cfg.out)
end

local function finish(err)
  out.error = err or vim.NIL
  save_out()
  vim.cmd("qa!")
end

local function step(name)
  table.insert(out.steps, name)
  save_out()
end

vim.lsp.handlers["window/showMessage"] = function(_, result)
  table.insert(out.messages, result.message)
  return result
end

-- the user picks the "Mend proof" entry of the code-action menu
vim.ui.select = function(items, opts, on_choice)
  local chosen = nil
  for _, item in ipairs(items) do
    local title = opts.format_item(item)
    table.insert(out.titles, title)
    if chosen == nil and title:find("^Mend proof") then
      chosen = item
    end
  end
  on_choice(chosen)
end

vim.cmd("edit " .. vim.fn.fnameescape(cfg.file))
local buf = vim.api.nvim_get_current_buf()
local id = vim.lsp.start_client({
  name = "proofmend",
  cmd = cfg.server,
  root_dir = cfg.root,
  init_options = cfg.init_options,
})
vim.lsp.buf_attach_client(buf, id)
local client = vim.lsp.get_client_by_id(id)
if not vim.wait(60000, function() return client.initialized end, 50) then
  return finish("the server did not initialize")
end
step("initialized")

local function text()
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")
end

local function line_of(s)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if l == s then return i end
  end
  error("no line " .. s)
end

local function wait(ms, pred, what)
  if not vim.wait(ms, pred, 50) then
    finish("timed out waiting for " .. what)
    return false
  end
  return true
end

local function has_message(pattern)
  for _, m in ipairs(out.messages) do
    if m:find(pattern) then return true end
  end
  return false
end

local function diagnostics_with(pattern)
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.message:find(pattern) then return true end
  end
  return false
end

-- the cursor on a line, then the code-action menu (the mend starts when the entry is picked)
local function mend_at(line)
  local picked = #out.titles
  vim.api.nvim_win_set_cursor(0, { line_of(line), 0 })
  vim.lsp.buf.code_action()
  return wait(20000, function() return #out.titles > picked end, "the code actions")
end

local function admitted_count()
  local _, n = text():gsub("Admitted%.", "")
  return n
end

local initial_holes = admitted_count()

local function mended()
  return admitted_count() < initial_holes
end

local function code_action_count(line)
  vim.api.nvim_win_set_cursor(0, { line_of(line), 0 })
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = {} }
  local t0 = vim.loop.hrtime()
  local replies = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", params, 10000)
  out.code_action_ms = (vim.loop.hrtime() - t0) / 1e6
  local n = 0
  for _, reply in pairs(replies or {}) do n = n + #(reply.result or {}) end
  return n
end

local s = cfg.scenario
if s == "mend" then
  if not mend_at(cfg.hole_line) then return end
  if not wait(240000, mended, "the mended proof") then return end
elseif s == "edit_above" then
  if not mend_at(cfg.hole_line) then return end
  vim.api.nvim_buf_set_lines(buf, 0, 0, false, { "(* typed while mending *)" })
  step("edited")
  if not wait(240000, mended, "the mended proof") then return end
elseif s == "edit_proof" then
  if not mend_at(cfg.hole_line) then return end
  local l = line_of(cfg.hole_line)
  vim.api.nvim_buf_set_lines(buf, l - 1, l, false, { cfg.renamed_line })
  step("edited")
  if not wait(240000, function() return has_message("changed while it was being mended") end, "the drop message") then
    return
  end
elseif s == "unreadable" then
  if not wait(30000, function() return diagnostics_with("cannot read this file") end, "the warning") then return end
  out.actions_when_unreadable = code_action_count(cfg.hole_line)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split((cfg.fixed_text:gsub("\n$", "")), "\n", { plain = true }))
  step("fixed")
  if not wait(30000, function() return diagnostics_with("^Admitted: ") end, "the hole marker") then return end
  if not mend_at(cfg.hole_line) then return end
  if not wait(240000, mended, "the mended proof") then return end
elseif s == "cancel" then
  local params = { command = "proofmend.mendProof", arguments = { vim.uri_from_bufnr(buf), line_of(cfg.stuck_line) - 1, 0 } }
  local ok, rid = client.request("workspace/executeCommand", params, function(err, result)
    out.cancel_reply = err and err.code or result
  end, buf)
  if not ok then return finish("the request was not sent") end
  step("started")
  -- the test watches the processes and says when the provers run
  if not wait(120000, function() return vim.fn.filereadable(cfg.provers_seen) == 1 end, "the provers") then return end
  out.action_count_during = code_action_count(cfg.stuck_line)
  out.action_ms_during = out.code_action_ms
  client.cancel_request(rid)
  vim.fn.writefile({ "cancelled" }, cfg.cancelled)
  step("cancelled")
  -- Neovim swallows the RequestCancelled answer; the server's message says it is done
  if not wait(10000, function() return has_message("was cancelled") end, "the cancel message") then return end
  vim.wait(cfg.linger_ms, function() return false end, 50)
  -- still serving: the hole of the same file is mended
  if not mend_at(cfg.hole_line) then return end
  if not wait(240000, mended, "the mend after the cancel") then return end
end

out.client_alive = not vim.lsp.client_is_stopped(id)
vim.cmd("write")
step("written")
finish(nil)
